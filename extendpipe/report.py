"""The apply report: build it from run results, validate it against its schema, write it.

The report is deterministic: runs sorted by step (manifest order) then path, keys sorted, so the
same inputs give the same report except for timestamps, durations and new run ids.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from extendpipe import __version__
from extendpipe.outfile import write_bytes, write_output
from extendpipe.results import RunResult
from extendpipe.schemafiles import load_schema

REPORT_VERSION = 1


def _unanswered(result: RunResult) -> str | None:
    """A create sent whose answer never came (the apply stopped first): say so, the run may exist."""
    if result.outcome == "not_submitted" and result.awaiting_answer and not result.run_id:
        return ("a create was sent but its answer never came; the run may exist: a rerun looks for it on the "
                "server before submitting again")
    return None


def run_row(result: RunResult, allow_needs_review: bool) -> dict:
    desired = result.desired
    step = desired.step
    outputs = result.read_outputs()  # trimmed when read (results.report_outputs)
    return {
        "step": step.name,
        "workflowId": step.workflow_id,
        "requestedVersion": step.version,
        "workflowVersion": result.workflow_version,
        "path": desired.path,
        "sha256": result.planned.sha256,
        "size": result.planned.size,
        "fingerprint": result.planned.fingerprint,
        "fileId": result.file_id,
        "runId": result.run_id,
        "status": result.status,
        "outcome": result.outcome,
        "success": result.succeeded(allow_needs_review),
        "attempts": result.attempts,
        "submittedAt": result.submitted_at,
        "startedAt": result.started_at,
        "finishedAt": result.finished_at,
        "failureReason": result.failure_reason,
        "failureMessage": result.failure_message or _unanswered(result),
        "metadata": result.metadata,
        "outputs": outputs,
    }


class Rows(Sequence):
    """The report's runs, built one at a time from the results whenever they are read: a report of
    100,000 runs is never held whole, since each run's outputs wait on disk (results.OutputSpool)."""

    def __init__(self, results: list[RunResult], allow_needs_review: bool):
        self._results = sorted(results, key=lambda r: r.desired.report_key)
        self._allow_needs_review = allow_needs_review

    def __len__(self) -> int:
        return len(self._results)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [run_row(r, self._allow_needs_review) for r in self._results[index]]
        return run_row(self._results[index], self._allow_needs_review)

    def __iter__(self) -> Iterator[dict]:
        return (run_row(r, self._allow_needs_review) for r in self._results)

    def failed(self) -> list[dict]:
        """The rows of the runs that did not succeed, without building (or reading back) the others."""
        return [run_row(r, self._allow_needs_review) for r in self._results
                if not r.succeeded(self._allow_needs_review)]

    def outcomes(self) -> Iterator[dict]:
        """What the summary counts, without building the rows (or reading their outputs back)."""
        for r in self._results:
            yield {"success": r.succeeded(self._allow_needs_review), "status": r.status, "outcome": r.outcome}

    def __eq__(self, other) -> bool:
        return isinstance(other, (list, Rows)) and list(self) == list(other)

    __hash__ = None


def summarize(rows: Iterable[dict]) -> dict:
    rows = [{"success": r["success"], "status": r["status"], "outcome": r["outcome"]} for r in rows]
    return {
        "total": len(rows),
        "succeeded": sum(1 for r in rows if r["success"]),
        "failed": sum(1 for r in rows if not r["success"]),
        "byStatus": dict(sorted(Counter(r["status"] or "NONE" for r in rows).items())),
        "byOutcome": dict(sorted(Counter(r["outcome"] for r in rows).items())),
    }


def build_report(*, manifest, target: dict, results: list[RunResult], started_at: str, finished_at: str,
                 duration: float, exit_code: int, allow_needs_review: bool, interrupted: bool = False,
                 error: str | None = None, requests: dict | None = None, cwd: Path | None = None,
                 shard: str | None = None) -> dict:
    rows = Rows(results, allow_needs_review)
    try:
        shown_path = os.path.relpath(manifest.path, cwd or Path.cwd())
    except ValueError:  # pragma: no cover - another drive on Windows
        shown_path = str(manifest.path)
    return {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": "extendpipe", "version": __version__},
        "manifest": {"path": Path(shown_path).as_posix(), "sha256": manifest.sha256, "pipeline": manifest.name,
                     "steps": [step.name for step in manifest.steps]},
        "shard": shard,
        "target": target,
        "startedAt": started_at,
        "finishedAt": finished_at,
        "durationSeconds": round(duration, 3),
        "exitCode": exit_code,
        "interrupted": interrupted,
        "error": error,
        "allowNeedsReview": allow_needs_review,
        "requests": requests or {},
        "summary": summarize(rows.outcomes()),
        "runs": rows,
    }


def _validators():
    from jsonschema import Draft202012Validator

    schema = load_schema("report")
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator, validator.evolve(schema=schema["$defs"]["run"])


def _check(validator, instance, where: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(validator.iter_errors(instance))
    if error is not None:
        at = "/".join([where, *(str(p) for p in error.absolute_path)] if where else
                      [str(p) for p in error.absolute_path]) or "(root)"
        raise RuntimeError(f"the report does not match schemas/report.schema.json at {at}: {error.message}")


def validate_report(report: dict) -> None:
    """The report against its schema; its runs one at a time (they may be a `Rows`)."""
    validator, run_validator = _validators()
    _check(validator, {**report, "runs": []} if isinstance(report.get("runs"), Rows) else report, "")
    if isinstance(report.get("runs"), Rows):
        for index, row in enumerate(report["runs"]):
            _check(run_validator, row, f"runs/{index}")


def document_chunks(document, check_item: Callable[[str, int, object], None] | None = None) -> Iterator[str]:
    """JSON with its top level indented and each item of a top-level list on one line of its own,
    in chunks of about a line.

    Reads and diffs well (one run per line), and every run is encoded by json's C encoder: an
    indented dump goes through the pure-Python one, several times slower on a large report.
    `check_item(key, index, item)` sees each item of a top-level list before it is encoded.
    """
    if not isinstance(document, dict):
        yield json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return
    compact = {"sort_keys": True, "ensure_ascii": False, "allow_nan": False}
    for position, key in enumerate(sorted(document)):
        value = document[key]
        name = json.dumps(key, ensure_ascii=False)
        yield ("{\n" if position == 0 else ",\n") + f"  {name}: "
        if isinstance(value, (list, Rows)) and len(value):
            for index, item in enumerate(value):
                if check_item is not None:
                    check_item(key, index, item)
                yield ("[\n    " if index == 0 else ",\n    ") + json.dumps(item, **compact)
            yield "\n  ]"
        else:
            yield json.dumps([] if isinstance(value, Rows) else value, **compact)
    yield "\n}\n" if document else "{\n}\n"


def dumps_document(document) -> str:
    return "".join(document_chunks(document))


def encoded_chunks(document, check_item: Callable[[str, int, object], None] | None = None) -> Iterator[bytes]:
    return (chunk.encode("utf-8") for chunk in document_chunks(document, check_item))


def write_json(path: Path, document) -> None:
    """The document as `document_chunks` lays it out, written by `outfile.write_bytes` (raises OSError)."""
    write_bytes(path, encoded_chunks(document))


def write_report(path: Path, report: dict) -> None:
    """Validate and write in one pass over the runs: each is checked as it is written, and a run
    that does not match the schema leaves no file behind (the write is atomic; a FIFO or a device,
    written as a stream, has had the runs before it)."""
    validator, run_validator = _validators()
    _check(validator, {**report, "runs": []}, "")

    def checked(key: str, index: int, item) -> None:
        if key == "runs":
            _check(run_validator, item, f"runs/{index}")

    write_output(path, encoded_chunks(report, checked), "report",
                 hint="the runs are recorded in the ledger; rerun with another --report to get the report")
