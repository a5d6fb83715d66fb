"""RFC 3339 times as the API writes them, and as extendpipe writes its own."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time (any number of fraction digits, Z or an offset), or None when unreadable.

    Normalised before `fromisoformat`, which before Python 3.11 takes neither `Z` nor a fraction
    that is not 3 or 6 digits long.
    """
    match = _TIME.match(value or "")
    if not match:
        return None
    date, clock, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    zone = "+00:00" if not zone or zone.upper() == "Z" else zone
    if ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(f"{date}T{clock}.{micro}{zone}")
    except ValueError:
        return None
