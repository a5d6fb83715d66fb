"""Page tokens for `GET /workflow_runs`, and the snapshots they point into.

Design choice (documented as the brief asks): sorting by `updatedAt` while runs change status makes plain
keyset pagination unsafe: a run updated between two page requests moves in the ordering and would be seen
twice or skipped. So the first page of a listing that has more than one page freezes the full ordering
(run seqs by (sort column, seq)) into a snapshot; later pages read positions of the snapshot.
Each run appears at most once per listing, with its *current* fields; runs created after the first page
are not in the listing (start a new one); runs deleted meanwhile leave pages short, which the API allows.
A listing that fits on one page makes no snapshot.

Snapshots live in memory (`Snapshots`, 8 bytes per run), not in SQLite: an earlier version wrote one row
per run per listing, so every first page took SQLite's write lock for O(runs) inserts; with 200 clients
listing, creates waited up to the 30 s busy timeout and failed with "database is locked", and the store
grew by hundreds of MB a minute. Snapshots older than six hours are dropped, and the oldest ones go first
when all of them together hold more than `MAX_SNAPSHOT_SEQS` runs. A token whose snapshot is gone
(expired, evicted, or the emulator restarted) gets 400 "start the listing again".

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
import threading
import time
from array import array
from collections import OrderedDict
from typing import Callable, Optional

MAGIC = b"\xfb\xff\xbf"  # base64 "+/+/"
MAX_SNAPSHOT_SEQS = 8_000_000  # 64 MB of run seqs (8 bytes each) over all live snapshots
MAX_SNAPSHOT_AGE = 6 * 3600.0
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


class Snapshots:
    """Frozen orderings of multi-page listings: snapshot id -> (filter hash, run seqs). Thread-safe."""

    def __init__(
        self,
        max_seqs: int = MAX_SNAPSHOT_SEQS,
        max_age: float = MAX_SNAPSHOT_AGE,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_seqs, self.max_age, self.clock = max_seqs, max_age, clock
        self._items: OrderedDict[str, tuple[str, float, array]] = OrderedDict()  # oldest first
        self._total = 0
        self._lock = threading.Lock()

    def put(self, snapshot_id: str, filter_hash: str, seqs: list[int]) -> None:
        with self._lock:
            self._items[snapshot_id] = (filter_hash, self.clock(), array("q", seqs))
            self._total += len(seqs)
            cutoff = self.clock() - self.max_age
            while self._items:
                _, (_, created, oldest) = next(iter(self._items.items()))
                if created >= cutoff and (self._total <= self.max_seqs or len(self._items) == 1):
                    break
                self._items.popitem(last=False)
                self._total -= len(oldest)

    def page(self, snapshot_id: str, pos: int, size: int) -> Optional[tuple[str, list[int], bool]]:
        """(filter hash, seqs at positions pos..pos+size-1, more after them); None if unknown or expired."""
        with self._lock:
            item = self._items.get(snapshot_id)
            if item is None or item[1] < self.clock() - self.max_age:
                return None
            filter_hash, _, seqs = item
            return filter_hash, seqs[pos : pos + size].tolist(), len(seqs) > pos + size
