"""Messages for what YAML does to a manifest that no one means: numbers it reads oddly, and its own errors."""

from __future__ import annotations

import math

from extendpipe.errors import Problem
from extendpipe.manifest.jsonpath import quote_hint
from extendpipe.manifest.source import is_utf8

_BASES = {"0x": "hexadecimal", "0b": "binary"}  # YAML 1.1 reads '0o17' as text; the schema says so


def number_trap(path, text, value):
    """(message, hint) for a plain scalar YAML read as a value no one means, else None.

    Base-60 (`1:30`), octal (`0755`), hexadecimal (`0x10`) and binary (`0b101`) numbers, infinities and
    NaN, and in metadata (where any JSON value is allowed, so the schema cannot tell) YAML 1.1 booleans
    such as `NO` or `off`.
    """
    if isinstance(value, bool):
        if text.lower() not in ("true", "false") and "metadata" in map(str, path[:-1]):
            return (f"{text} is read by YAML as the boolean {str(value).lower()}, not as text",
                    quote_hint(path, text) + "; write true or false for a boolean")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{text} is not a finite number", quote_hint(path, text)
    if not isinstance(value, (int, float)):
        return None
    digits = text.lstrip("+-")
    if ":" in text:
        return f"{text} is read by YAML as the base-60 number {value}", quote_hint(path, text)
    if isinstance(value, int) and len(digits) > 1 and digits[0] == "0" and digits.isdigit():
        return f"{text} is read by YAML as the octal number {value}", quote_hint(path, text)
    if isinstance(value, int) and digits[:2].lower() in _BASES:
        hint = f"write {value}"
        if "metadata" in map(str, path[:-1]):
            hint += f" for the number, or {quote_hint(path, text)}"
        return f"{text} is read by YAML as the {_BASES[digits[:2].lower()]} number {value}", hint
    return None


def surrogate_trap(text):
    """(message, hint) when text holds a UTF-16 surrogate (a YAML escape such as "\\ud83d"), else None.

    A surrogate is no character: it cannot be sent as UTF-8, so it must not reach a run's metadata.
    """
    if is_utf8(text):
        return None
    start = next(i for i, char in enumerate(text) if 0xD800 <= ord(char) <= 0xDFFF)
    high, low = ord(text[start]), ord(text[start + 1]) if start + 1 < len(text) else 0
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        return (f"'\\u{high:04x}\\u{low:04x}' is a UTF-16 surrogate pair, not a character",
                f"write the character itself, or one escape: \\U{code:08X}")
    return (f"'\\u{high:04x}' is a UTF-16 surrogate, not a character",
            "write the character itself, or escape it as \\U and 8 hex digits")


def yaml_problem(exc, text, shown):
    """A YAML error as one Problem at its line and column, worded for a person."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        line, col = mark.line + 1, mark.column + 1
    else:  # ReaderError: a position in the text
        pos = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    what = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    hint = None
    if "'\\t'" in what or "\t" in what:
        what, hint = "tab character where YAML needs spaces", "use spaces to indent and after ':'"
    elif "expected a single document" in what + context:
        what, hint = "more than one YAML document", "keep one document (no second '---') per manifest"
    elif "mapping values are not allowed" in what:
        hint = "check the indentation, or quote a value that contains ': '"
    elif "special characters are not allowed" in what:
        what = "control character in the file"
    elif "undefined alias" in what:
        hint = "define the anchor (&name) before its alias (*name), or quote a value that starts with '*'"
    elif context:
        hint = _context_hint(context, getattr(exc, "context_mark", None))
    return Problem(shown, line, col, "", f"invalid YAML: {what}", hint)


_CLOSERS = {"a flow sequence": ("'['", "with ']', or quote the value"),
            "a flow mapping": ("'{'", "with '}', or quote the value"),
            "a quoted scalar": ("quote", "with the same quote")}


def _context_hint(context: str, mark) -> str:
    """What YAML was reading when it failed, and where that began: usually an unclosed bracket or
    quote, or a line indented out of step with its block."""
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    for what, (opener, fix) in _CLOSERS.items():
        if context.endswith(what):
            return f"the {opener}{where} is never closed: close it {fix}"
    if "block" in context:
        return f"this line does not line up with the block that starts{where}: check its indentation"
    return f"{context}{where}: check its indentation and that what it opens is closed"
