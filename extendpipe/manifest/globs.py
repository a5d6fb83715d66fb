"""Glob patterns as regexes, and the syntax check the manifest runs on every include/exclude pattern.

The rules (see extendpipe.files for how patterns are resolved on disk) are fnmatch's, per path component:
`*` and `?` never cross a '/'; `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` are classes; a '[' with no closing
']' is a literal '[' (so `[!]` and `[]` alone are literal text, as in fnmatch and the shell); `[]]` and
`[!]]` put ']' in the class; a backwards range such as `[z-a]` is an error. `**` alone as a component
means any number of folders; inside a name (`a**b`) it is the same as `*`. A backslash is not an escape
(the schema refuses it: write `[*]` or `[[]` for a literal `*` or `[`).
"""

from __future__ import annotations

import re
import warnings
from pathlib import PurePath

MAGIC = re.compile(r"[*?\[]")


def translate(part: str) -> str:
    """One path component of a glob as a regex (no '/' can match)."""
    out, i, n = [], 0, len(part)
    while i < n:
        char = part[i]
        i += 1
        if char == "*":
            if not out or out[-1] != "[^/]*":
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            j = i + (1 if i < n and part[i] in "!^" else 0)
            j += 1 if j < n and part[j] == "]" else 0
            while j < n and part[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(char))
                continue
            body, i = part[i:j], j + 1
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            escaped = "".join(c if c == "-" and 0 < k < len(body) - 1 else re.escape(c)
                              for k, c in enumerate(body))
            out.append(("[^/" if negate else "[") + escaped + "]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _compile(regex: str) -> re.Pattern:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(regex, re.DOTALL)


def compile_glob(parts, *, prefix_dirs=False) -> re.Pattern:
    """Regex for a list of glob components; with prefix_dirs it also matches anything below a match.

    Raises ValueError (not re.error) for a pattern that is not a valid glob; see glob_error.
    """
    pieces = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            pieces.append(".*" if last else "(?:[^/]+/)*")
        else:
            pieces.append(translate(part) + ("" if last else "/"))
    tail = "(?:/.*)?" if prefix_dirs else ""
    try:
        return _compile("".join(pieces) + tail + r"\Z")
    except re.error as exc:
        raise ValueError(exc.msg) from None


def split(pattern: str):
    """(is_absolute, components) with '.' and empty components dropped."""
    absolute = PurePath(pattern).is_absolute() or pattern.startswith("/")
    return absolute, [p for p in pattern.split("/") if p not in ("", ".")]


def glob_error(pattern: str):
    """(message, hint) when `pattern` is not a valid glob, else None."""
    for part in split(pattern)[1]:
        if part != "**" and MAGIC.search(part):
            try:
                _compile(translate(part))
            except re.error as exc:
                return (f"pattern {pattern!r} is not a valid glob: {exc.msg}",
                        "write a character range low to high, like [a-z], or [[] for a literal '['")
    return None
