"""Durations as people write them: a number of seconds, or "90s", "10m", "1h30m", "250ms"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value) -> float:
    """Seconds for a duration; ValueError with the accepted forms when it is not one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration (use seconds, or e.g. 90s, 10m, 1h30m)")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            parts = _PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(f"{value!r} is not a duration (use seconds, or e.g. 90s, 10m, 1h30m)") from None
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"{value!r} is not a duration: it must be a finite number of seconds, zero or more")
    return seconds
