"""Identifiers and timestamps: `prefix_` + random URL-safe text, RFC 3339 UTC with milliseconds."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone


def new_id(prefix: str) -> str:
    """A fresh random id such as `workflow_run_Zk9mNP12Qw4yTv8BdR3H`."""
    return prefix + secrets.token_urlsafe(15)


def stable_id(prefix: str, *parts: str) -> str:
    """A deterministic id for things derived from names (processors, workflow versions)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:20]
    return prefix + digest


def request_id() -> str:
    return "req_" + secrets.token_hex(10)


def now() -> str:
    """Current UTC time as RFC 3339 with milliseconds; these strings sort chronologically."""
    stamp = datetime.now(timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
