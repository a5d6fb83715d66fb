"""`${VAR}` and `${VAR:-default}` in string values, from an environment mapping; `$$` is a literal `$`.

A default is plain text: a reference nested in it (`${A:-${B:-c}}`) is an error, not text.
"""

from __future__ import annotations

import re

from extendpipe.manifest.source import is_utf8

_TOKEN = re.compile(r"\$(?:(\$)|\{([^}]*)\}|(\{))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ExpandError(ValueError):
    """A reference that cannot be expanded; `args` are (message, hint)."""

    def __init__(self, message, hint):
        super().__init__(message, hint)
        self.message = message
        self.hint = hint


def _reference(text: str, start: int) -> str:
    """The reference that starts at text[start] ('${'), up to the '}' that closes it (or the end)."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return text[start:]


def expand(text: str, environ) -> str:
    """Return `text` with every reference replaced; raise ExpandError on the first bad or missing one.

    `${VAR}` needs VAR set (it may be empty); `${VAR:-default}` uses the default when VAR is unset or
    empty, as the shell does. A `$` not followed by `{` or `$` is kept as it is.
    """
    if "$" not in text:
        return text

    def replace(match):
        if match.group(1):
            return "$"
        if match.group(3):
            raise ExpandError("unterminated '${'", "close it with '}', or write '$$' for a literal '$'")
        inner = match.group(2)
        name, sep, default = inner.partition(":-")
        if not _NAME.match(name):
            raise ExpandError(
                f"'${{{inner}}}' is not a valid variable reference",
                "write ${NAME} or ${NAME:-default}, or '$$' for a literal '$'",
            )
        if "${" in default:
            raise ExpandError(f"'{_reference(match.string, match.start())}' nests a reference in its default, "
                              "which is not supported", f"give a plain default: ${{{name}:-value}}")
        value = environ.get(name)
        if value and not is_utf8(value):  # os.environ keeps bytes that are not UTF-8 as surrogates
            raise ExpandError(f"environment variable '{name}' is not valid UTF-8", "set it to UTF-8 text")
        if sep:
            return value if value else default
        if value is None:
            raise ExpandError(
                f"environment variable '{name}' is not set",
                f"set it, or give a default: ${{{name}:-value}}",
            )
        return value

    return _TOKEN.sub(replace, text)
