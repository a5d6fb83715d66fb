"""RunResult: what apply knows about one desired run, filled in as it goes; the report reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from extendpipe.constants import FINAL_STATUSES
from extendpipe.plan import PlannedRun, succeeded

# What the report keeps of each processor output; the rest (config, files, urls…) is dropped as soon
# as a run is read, since every run's outputs are held until the report is written.
OUTPUT_KEYS = ("id", "processorId", "processorName", "type", "status", "output", "failureReason",
               "failureMessage")


def report_outputs(outputs: list) -> list[dict]:
    return [{k: o[k] for k in OUTPUT_KEYS if k in o} for o in outputs if isinstance(o, dict)]


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
    outputs: list = field(default_factory=list)
    last_seen: float = 0.0

    @property
    def desired(self):
        return self.planned.desired

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

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
            self.outputs = report_outputs(run["outputs"])
        self.last_seen = seen_at
