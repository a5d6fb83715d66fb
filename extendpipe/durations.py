"""Durations as people write them: a number of seconds, or "90s", "10m", "1h30m", "250ms".

Text takes the schema's forms and nothing more (`settings.wait_timeout`, `--poll-interval`): plain
digits with an optional decimal part ("2", "0.5"), or such numbers each followed by a unit. Other
ways to write a number ("1e-9", ".5", "+2", " 5") are not durations; the message gives the same
seconds in plain digits. (A YAML number, such as an unquoted 1.0e-9, is a number of seconds.)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_FORMS = "use seconds, or e.g. 90s, 10m, 1h30m"
_FINITE = "it must be a finite number of seconds, zero or more"


def number_reason(value) -> str | None:
    """Why text that reads as a number is not a duration, or None when it reads as none.

    '1e-9' → "seconds are written in plain digits, as in 0.000000001"; '-1', 'inf' → it must be finite
    and not negative.
    """
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value.replace("_", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or float(number) == float("inf"):
        return _FINITE
    plain = "0" if number == 0 else format(number.normalize(), "f")
    return "seconds are written in plain digits" + (f", as in {plain}" if len(plain) <= 24 else "")


def not_a_duration(value) -> str:
    """The message for a value that is not a duration, saying which forms are."""
    reason = number_reason(value)
    if reason == _FINITE:
        return f"{value!r} is not a duration: {reason}"
    if reason:
        return f"{value!r} is not a duration: {reason} (or use e.g. 90s, 10m, 1h30m)"
    return f"{value!r} is not a duration ({_FORMS})"
# The longest duration any option or setting takes (timeouts, waits, intervals, delays): far more than
# any of them needs, and small enough for every timer and socket timeout (1e300 s overflowed them).
MAX_SECONDS = 7 * 24 * 3600.0
MAX_TEXT = "168h (7 days)"


def parse_duration(value) -> float:
    """Seconds for a duration; ValueError with the accepted forms when it is not one."""
    if isinstance(value, bool):
        raise ValueError(not_a_duration(value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value)
        if _SECONDS.match(text):
            seconds = float(text)
        else:
            parts = _PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(not_a_duration(value))
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"{value!r} is not a duration: {_FINITE}")
    return seconds


def range_problem(seconds: float, allow_zero: bool = False) -> str | None:
    """What is wrong with a duration's size, as "is out of range: ..." with the allowed range; None if fine."""
    if seconds > MAX_SECONDS or (seconds <= 0 and not allow_zero):
        allowed = f"0 to {MAX_TEXT}" if allow_zero else f"more than 0, up to {MAX_TEXT}"
        return f"is out of range: give {allowed}"
    return None
