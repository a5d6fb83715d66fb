"""Page tokens for `GET /workflow_runs`.

Design choice (documented as the brief asks): sorting by `updatedAt` while runs change status makes plain
keyset pagination unsafe: a run updated between two page requests moves in the ordering and would be seen
twice or skipped. So the first page of a listing that has more than one page freezes the full ordering
(run ids by (sort column, seq)) into a snapshot table; later pages are keyset reads on the snapshot position.
Each run appears at most once per listing, with its *current* fields; runs created after the first page
are not in the listing (start a new one); runs deleted meanwhile leave pages short, which the API allows.
A listing that fits on one page makes no snapshot. Snapshots older than six hours are dropped.

Token format: `base64(MAGIC + snapshot id + position, padded) + ":" + base64(filter hash)`, standard
base64 alphabet. MAGIC encodes to `+/+/`, and the first part always ends in `=`, so every real token holds
`+ / =` and clients must URL-encode it, as with the real API (`xK9m…==:zWvU…/Q+CN…=`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import struct

MAGIC = b"\xfb\xff\xbf"  # base64 "+/+/"
FILTER_KEYS = ("status", "workflowId", "batchId", "fileNameContains", "sortBy", "sortDir")


class TokenError(ValueError):
    pass


def new_snapshot_id() -> str:
    return secrets.token_hex(8)


def filter_hash(params: dict[str, str | None]) -> str:
    canonical = json.dumps({key: params.get(key) for key in FILTER_KEYS}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode(snapshot_id: str, position: int, fhash: str) -> str:
    payload = MAGIC + bytes.fromhex(snapshot_id) + struct.pack(">I", position)
    # Pad so the length is 1 mod 3: base64 then always ends in "==".
    payload += b"\x00" * ((1 - len(payload)) % 3)
    head = base64.b64encode(payload).decode("ascii")
    tail = base64.b64encode(bytes.fromhex(fhash) + b"\xfe").decode("ascii")
    return f"{head}:{tail}"


def decode(token: str) -> tuple[str, int, str]:
    """(snapshot_id, position, filter_hash); TokenError for anything that is not one of our tokens."""
    try:
        head, tail = token.split(":")
        payload = base64.b64decode(head, validate=True)
        suffix = base64.b64decode(tail, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise TokenError("nextPageToken is malformed") from exc
    if not payload.startswith(MAGIC) or len(payload) < len(MAGIC) + 12 or len(suffix) != 9:
        raise TokenError("nextPageToken is malformed")
    body = payload[len(MAGIC) :]
    snapshot_id = body[:8].hex()
    (position,) = struct.unpack(">I", body[8:12])
    return snapshot_id, position, suffix[:8].hex()
