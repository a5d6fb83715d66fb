"""The ledger: an append-only, fsync'd journal of what apply asked the server and what it answered.

One JSON object per line, one journal per target: `STATE_DIR/ledger.jsonl` for the embedded
emulator (whose port changes but whose store lives in the same folder), and
`STATE_DIR/ledger-<host>-<hash>.jsonl` for any other base URL, so that runs and file ids one
server knows are never taken for another's. The intent is written before every create, the
answer after, so a process killed at any instruction leaves a journal that says exactly which
creates may have reached the server without an answer. An upload has no intent: one that lost its
answer only leaves an unused file object, and the file is uploaded again. A torn last line (the
process died mid-write) is ignored, never fatal.

Records (`t` is the type):
  upload {sha256, fileId}
  create-intent {fp, step, path}    create {fp, runId}     create-refused {fp, message}
  status {runId, status}            (a run seen in a new status)
  upload-intent {sha256}            (written by earlier versions; read and ignored)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from extendpipe.errors import StateError

log = logging.getLogger("extendpipe.ledger")

LEDGER_NAME = "ledger.jsonl"
# Only the record whose loss in a power cut could make a rerun pay twice is fsync'd: the intent,
# before its create is sent (the fsync also carries every line written before it). Losing any
# later line costs requests, never a duplicate: a create answer or refusal that did not reach the
# disk leaves its intent unanswered, and the rerun looks the run up on the server before sending.
DURABLE = frozenset({"create-intent"})


def ledger_name(target_key: str | None) -> str:
    """`ledger.jsonl` for the embedded emulator (None), else one file per base URL."""
    if not target_key:
        return LEDGER_NAME
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", urlsplit(target_key).netloc or "remote")[:60]
    digest = hashlib.sha256(target_key.rstrip("/").encode()).hexdigest()[:10]
    return f"ledger-{host}-{digest}.jsonl"


class LedgerClosed(RuntimeError):
    """The journal is closed: nothing more may be sent."""


@dataclass
class LedgerEntry:
    """What the journal knows about one fingerprint."""

    fingerprint: str
    run_id: str | None = None
    status: str | None = None
    unanswered_create: bool = False     # a create was sent (maybe) and no answer recorded


@dataclass
class LedgerState:
    runs: dict[str, LedgerEntry] = field(default_factory=dict)
    file_ids: dict[str, str] = field(default_factory=dict)
    status_by_run: dict[str, str] = field(default_factory=dict)
    last_fingerprint: dict[tuple[str, str], str] = field(default_factory=dict)   # (step, path) → fp
    existed: bool = False           # at least one record: an empty file (apply stopped early) is no ledger
    torn_lines: int = 0


class Ledger:
    """Thread-safe appends; `load()` replays the journal into a LedgerState.

    A write that fails (a full disk, a read-only mount) is a StateError naming the state folder, and
    so is every append after it: nothing more is sent that the journal could not record. `failure`
    keeps it, also when only closing failed, so that apply can stop with it once the report is written.
    """

    def __init__(self, state_dir: Path, target_key: str | None = None):
        self.path = Path(state_dir) / ledger_name(target_key)
        self._lock = threading.Lock()
        self._fh = None
        self.failure: StateError | None = None

    def _failed(self, exc: OSError, opening: bool = False) -> StateError:
        if self.failure is None:
            self.failure = StateError(
                f"{self.path.parent}: cannot write the journal {self.path.name} in this state folder: "
                f"{exc.strerror or exc} (hint: free some space on its disk, or pass --state-dir with a folder "
                f"elsewhere{'' if opening else '; a rerun finds the runs this apply sent'})")
        return StateError(*self.failure.args)

    def load(self) -> LedgerState:
        state = LedgerState()
        if not self.path.exists():
            return state
        with open(self.path, "rb") as fh:  # line by line: a long journal is never held whole
            for number, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    _apply(state, json.loads(raw))
                    state.existed = True
                except (ValueError, KeyError, TypeError, AttributeError):
                    state.torn_lines += 1
                    log.warning("%s:%d: ignoring a torn or unreadable journal line", self.path, number)
        for entry in state.runs.values():
            if entry.run_id and entry.run_id in state.status_by_run:
                entry.status = state.status_by_run[entry.run_id]
        return state

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A torn last line without a newline would glue onto the next record: start a fresh line.
            needs_newline = False
            if self.path.exists() and self.path.stat().st_size:
                with open(self.path, "rb") as fh:
                    fh.seek(-1, os.SEEK_END)
                    needs_newline = fh.read(1) != b"\n"
            # Unbuffered: each record is one write(2) when it is appended, and closing has nothing
            # left to flush (a buffered close on a full disk raised long after the failing write).
            self._fh = open(self.path, "ab", buffering=0)
            if needs_newline:
                _write_all(self._fh, b"\n")
        except OSError as exc:
            raise self._failed(exc, opening=True) from None

    def close(self) -> None:
        with self._lock:
            fh, self._fh = self._fh, None
            if fh is not None:
                try:
                    fh.close()
                except OSError as exc:
                    self._failed(exc)

    def append(self, record: dict) -> None:
        """Write one record durably; raises LedgerClosed once the apply has closed the journal, and
        StateError when the journal cannot be written.

        Raising (rather than skipping) matters: the caller journals an intent right before a request,
        so a worker still running after an interrupt must not send what it could not record.
        """
        line = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self.failure is not None:
                raise StateError(*self.failure.args)
            if self._fh is None:
                raise LedgerClosed(f"{self.path} is closed")
            try:
                _write_all(self._fh, line)  # in the OS's hands: survives the process being killed
                if record["t"] in DURABLE:
                    os.fsync(self._fh.fileno())  # on disk: survives the machine going down too
            except OSError as exc:
                raise self._failed(exc) from None

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()


def _write_all(fh, data: bytes) -> None:
    """All of `data` (an unbuffered write may take part of it); a torn line is ignored when read."""
    view = memoryview(data)
    while view:
        view = view[fh.write(view):]


def _apply(state: LedgerState, record: dict) -> None:
    kind = record["t"]
    if kind == "upload":
        state.file_ids[record["sha256"]] = record["fileId"]
    elif kind == "create-intent":
        entry = state.runs.setdefault(record["fp"], LedgerEntry(record["fp"]))
        entry.unanswered_create = True
        state.last_fingerprint[(record["step"], record["path"])] = record["fp"]
    elif kind == "create":
        entry = state.runs.setdefault(record["fp"], LedgerEntry(record["fp"]))
        entry.run_id, entry.unanswered_create, entry.status = record["runId"], False, record.get("status")
    elif kind == "create-refused":
        entry = state.runs.setdefault(record["fp"], LedgerEntry(record["fp"]))
        entry.unanswered_create = False
    elif kind == "status":
        state.status_by_run[record["runId"]] = record["status"]
    elif kind == "upload-intent":
        pass
    else:
        raise KeyError(kind)
