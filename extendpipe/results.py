"""RunResult: what apply knows about one desired run, filled in as it goes; the report reads it."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import weakref
from dataclasses import dataclass, field

from extendpipe.constants import FINAL_STATUSES
from extendpipe.plan import PlannedRun, succeeded

# What the report keeps of each processor output; the rest (config, files, urls…) is dropped as soon
# as a run is read, since every run's outputs are held until the report is written.
OUTPUT_KEYS = ("id", "processorId", "processorName", "type", "status", "output", "failureReason",
               "failureMessage")


def report_outputs(outputs: list) -> list[dict]:
    return [{k: o[k] for k in OUTPUT_KEYS if k in o} for o in outputs if isinstance(o, dict)]


class OutputSpool:
    """Run outputs parked in an unnamed temporary file from when a run is read until the report is
    written, so apply's memory does not grow with them. Thread-safe; `put` says where to read back."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="extendpipe-outputs-")
        self._lock = threading.Lock()
        self._end = 0
        # Closed (and so deleted) once neither the results nor a report reading them holds the spool.
        weakref.finalize(self, self._file.close)

    @classmethod
    def open(cls) -> OutputSpool | None:
        """A spool, or None (outputs are then held in memory) when no temporary file can be made."""
        try:
            return cls()
        except OSError:
            return None

    def put(self, outputs: list) -> tuple[int, int]:
        data = json.dumps(outputs, separators=(",", ":")).encode("ascii")  # escaped: any string round-trips
        with self._lock:
            offset = self._end
            self._end += len(data)
            os.pwrite(self._file.fileno(), data, offset)
        return offset, len(data)

    def get(self, where: tuple[int, int]) -> list:
        offset, length = where
        return json.loads(os.pread(self._file.fileno(), length, offset))


# Outcomes: what apply did with a run.
SUBMITTED, REUSED, RESUMED = "submitted", "reused", "resumed"
NOT_SUBMITTED, TIMED_OUT, ERROR = "not_submitted", "timed_out", "error"


@dataclass
class RunResult:
    planned: PlannedRun
    file_id: str | None = None
    run_id: str | None = None
    status: str | None = None
    outcome: str = NOT_SUBMITTED
    attempts: int = 0
    awaiting_answer: bool = False   # a create was sent and neither a run nor a definite refusal came back
    workflow_version: str | None = None
    submitted_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    failure_reason: str | None = None
    failure_message: str | None = None
    metadata: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)         # held here when there is no spool
    spool: OutputSpool | None = field(default=None, repr=False, compare=False)
    outputs_at: tuple[int, int] | None = None           # where the spool holds them
    last_seen: float = 0.0

    @property
    def desired(self):
        return self.planned.desired

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    def read_outputs(self) -> list:
        return self.spool.get(self.outputs_at) if self.outputs_at is not None else self.outputs

    def succeeded(self, allow_needs_review: bool) -> bool:
        return self.outcome in (SUBMITTED, REUSED, RESUMED) and succeeded(self.status, allow_needs_review)

    def record(self, run: dict, seen_at: float) -> None:
        """Take what the server says about the run (a create answer or a GET)."""
        self.run_id = run.get("id") or self.run_id
        self.status = run.get("status") or self.status
        self.workflow_version = (run.get("workflow") or {}).get("version") or self.workflow_version
        self.submitted_at = run.get("initialRunAt") or self.submitted_at
        self.started_at = run.get("startTime") or self.started_at
        self.finished_at = run.get("endTime") or self.finished_at
        self.failure_reason = run.get("failureReason") or self.failure_reason
        self.failure_message = run.get("failureMessage") or self.failure_message
        if isinstance(run.get("metadata"), dict):
            self.metadata = run["metadata"]
        files = run.get("files")
        if isinstance(files, list) and files and isinstance(files[0], dict) and files[0].get("id"):
            self.file_id = files[0]["id"]
        if isinstance(run.get("outputs"), list):
            self.outputs_at, self.outputs = None, report_outputs(run["outputs"])
            if self.spool is not None and self.outputs:
                try:
                    self.outputs_at, self.outputs = self.spool.put(self.outputs), []
                except OSError:  # the temporary folder is full: these outputs stay in memory instead
                    pass
        self.last_seen = seen_at
