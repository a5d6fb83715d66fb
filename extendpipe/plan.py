"""The plan: desired runs + ledger (+ server, when the ledger cannot say) → one action per run.

Actions (DESIGN.md):
  submit  new, or its content, metadata, workflow or version changed: a new run is created
  reuse   already PROCESSED with this fingerprint: nothing is sent, its outputs are reported
  resume  in flight from an earlier apply: it is waited for, not resubmitted
  retry   a run with this fingerprint ended badly before: a new run is created (unless kept)
  keep    ended badly before and `--no-retry-failed`: reported as it is
  unreadable  the file vanished or cannot be read since its glob matched: reported as an error
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from extendpipe.constants import FINAL_STATUSES, NEEDS_REVIEW, PROCESSED
from extendpipe.desired import DesiredRun, fingerprint
from extendpipe.files import sha256_file
from extendpipe.ledger import LedgerState
from extendpipe.reconcile import Reconciler

SUBMIT, REUSE, RESUME, RETRY, KEEP, UNREADABLE = "submit", "reuse", "resume", "retry", "keep", "unreadable"
ACTIONS = (SUBMIT, REUSE, RESUME, RETRY, KEEP, UNREADABLE)


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based): a stable split of the desired runs by fingerprint."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        if not (sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
            raise ValueError(f"{text!r} is not a shard (use I/N with 1 <= I <= N, e.g. 2/4)")
        return cls(int(index), int(count))

    def owns(self, fingerprint_text: str) -> bool:
        digest = fingerprint_text.rsplit(":", 1)[-1]
        return int(digest[:16], 16) % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass
class PlannedRun:
    desired: DesiredRun
    sha256: str
    size: int
    fingerprint: str
    action: str = SUBMIT
    run_id: str | None = None
    previous_status: str | None = None
    reason: str = "new"
    run: dict | None = None          # the full run, when reconciliation already fetched it

    def as_dict(self) -> dict:
        return {"step": self.desired.step.name, "path": self.desired.path, "action": self.action,
                "reason": self.reason, "runId": self.run_id, "previousStatus": self.previous_status,
                "fingerprint": self.fingerprint, "sha256": self.sha256, "size": self.size}


def _hash(desired: DesiredRun) -> tuple[DesiredRun, str | None, int | OSError]:
    """(desired, sha256, size), or (desired, None, the OSError) for a file that vanished or is unreadable."""
    if desired.raw_text is not None:
        data = desired.raw_text.encode()
        return desired, hashlib.sha256(data).hexdigest(), len(data)
    try:
        digest, size = sha256_file(desired.abspath)
    except OSError as exc:
        return desired, None, exc
    return desired, digest, size


def hash_inputs(desired: Iterable[DesiredRun], workers: int = 4) -> Iterator[tuple[DesiredRun, str, int]]:
    """sha256 of every input, in order, streaming: one file at a time.

    Measured (benchmarks/): for the small files pipelines hold, a plain loop is several times faster
    than a thread pool and holds no futures, so memory stays flat at 100,000 files. `workers` is
    kept for callers; hashing large files is bound by the disk, which threads do not speed up.
    """
    for item in desired:
        yield _hash(item)


def succeeded(status: str | None, allow_needs_review: bool) -> bool:
    return status == PROCESSED or (allow_needs_review and status == NEEDS_REVIEW)


def decide(planned: PlannedRun, status: str | None, *, retry_failed: bool, allow_needs_review: bool) -> None:
    planned.previous_status = status
    if succeeded(status, allow_needs_review):
        planned.action, planned.reason = REUSE, f"{status} before"
    elif status == NEEDS_REVIEW:
        # Waiting for a person in Extend, not failed: resubmitting would pay again and lose the review.
        planned.action, planned.reason = REUSE, "NEEDS_REVIEW before: its status is read again, not resubmitted"
    elif status is None or status not in FINAL_STATUSES:
        planned.action, planned.reason = RESUME, f"in flight ({status or 'status unknown'})"
    elif retry_failed:
        planned.action, planned.reason = RETRY, f"{status} before"
    else:
        planned.action, planned.reason = KEEP, f"{status} before, kept (--no-retry-failed)"


def make_plan(desired: Iterable[DesiredRun], ledger: LedgerState, *, reconciler: Reconciler | None = None,
              force: bool = False, retry_failed: bool = True, allow_needs_review: bool = False,
              hash_workers: int = 4, shard: Shard | None = None, reconcile_without_ledger: bool = True
              ) -> list[PlannedRun]:
    """One PlannedRun per desired run (of this shard), in the order given.

    The server is asked only where the ledger cannot answer: when there is no ledger at all (a
    fresh checkout) or a create was sent and its answer never recorded.
    """
    plan: list[PlannedRun] = []
    for item, digest, size in hash_inputs(desired, hash_workers):
        if digest is None:  # the file went away or cannot be read: reported for this file, not a crash
            planned = PlannedRun(item, None, None, None, action=UNREADABLE,
                                 reason=f"cannot read {item.path}: {size.strerror or size}")
            if shard is None or shard.owns(fingerprint(item.step, "", item.path)):
                plan.append(planned)
            continue
        planned = PlannedRun(item, digest, size, fingerprint(item.step, digest, item.path))
        if shard is not None and not shard.owns(planned.fingerprint):
            continue
        plan.append(planned)
        if force:
            planned.reason = "--force"
            continue
        entry = ledger.runs.get(planned.fingerprint)
        if entry is not None and entry.run_id and not entry.unanswered_create:
            planned.run_id = entry.run_id
            decide(planned, entry.status, retry_failed=retry_failed, allow_needs_review=allow_needs_review)
            continue
        # A create whose answer was never recorded is always looked up (it may exist); with no ledger at
        # all, every run is, unless the user opted out (--no-reconcile).
        ask_server = reconciler is not None and (
            (entry is not None and entry.unanswered_create) or (not ledger.existed and reconcile_without_ledger))
        if ask_server:
            run = reconciler.find(item.step.workflow_id, item.path, planned.fingerprint)
            if run is not None:
                planned.run_id, planned.run = run["id"], run
                decide(planned, run.get("status"), retry_failed=retry_failed,
                       allow_needs_review=allow_needs_review)
                planned.reason += " (found on the server)"
                continue
        if ledger.last_fingerprint.get((item.step.name, item.path)) not in (None, planned.fingerprint):
            planned.reason = "changed"
    return plan
