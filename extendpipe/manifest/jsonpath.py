"""Dotted JSON paths for messages: ('steps', 0, 'inputs', 'include', 1) → steps[0].inputs.include[1]."""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r"[A-Za-z0-9_-]+\Z")


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def last_key(path):
    """The nearest mapping key in a path (skipping list indexes), or None at the root."""
    for part in reversed(tuple(path)):
        if isinstance(part, str):
            return part
    return None


def quote_hint(path, text) -> str:
    """How to write `text` so YAML keeps it as a string, in the context of the key or list item."""
    key = path[-1] if path else None
    if isinstance(key, str):
        return f'quote the value: {key}: "{text}"'
    return f'quote the value: - "{text}"'
