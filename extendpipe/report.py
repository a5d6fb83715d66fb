"""The apply report: build it from run results, validate it against its schema, write it atomically.

The report is deterministic: runs sorted by step (manifest order) then path, keys sorted, so the
same inputs give the same report except for timestamps, durations and new run ids.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from extendpipe import __version__
from extendpipe.errors import InputError
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
    outputs = result.outputs  # trimmed when read (results.report_outputs)
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


def summarize(rows: list[dict]) -> dict:
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
    rows = [run_row(r, allow_needs_review) for r in sorted(results, key=lambda r: r.desired.report_key)]
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
        "summary": summarize(rows),
        "runs": rows,
    }


def validate_report(report: dict) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(load_schema("report"), format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = best_match(validator.iter_errors(report))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise RuntimeError(f"the report does not match schemas/report.schema.json at {where}: "
                          f"{error.message}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target. `data` may
    come in chunks, so a large document is never held whole as one string."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in ((data,) if isinstance(data, bytes) else data):
                fh.write(chunk)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def document_chunks(document) -> Iterator[str]:
    """JSON with its top level indented and each item of a top-level list on one line of its own,
    in chunks of about a line.

    Reads and diffs well (one run per line), and every run is encoded by json's C encoder: an
    indented dump goes through the pure-Python one, several times slower on a large report.
    """
    if not isinstance(document, dict):
        yield json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return
    compact = {"sort_keys": True, "ensure_ascii": False, "allow_nan": False}
    for position, key in enumerate(sorted(document)):
        value = document[key]
        name = json.dumps(key, ensure_ascii=False)
        yield ("{\n" if position == 0 else ",\n") + f"  {name}: "
        if isinstance(value, list) and value:
            for index, item in enumerate(value):
                yield ("[\n    " if index == 0 else ",\n    ") + json.dumps(item, **compact)
            yield "\n  ]"
        else:
            yield json.dumps(value, **compact)
    yield "\n}\n" if document else "{\n}\n"


def dumps_document(document) -> str:
    return "".join(document_chunks(document))


def write_json_atomic(path: Path, document) -> None:
    write_bytes_atomic(path, (chunk.encode("utf-8") for chunk in document_chunks(document)))


def check_writable(path: Path, what: str) -> None:
    """Fail before any request when an output file cannot be written (its folder is made if missing)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".check", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the {what} there: {exc.strerror or exc} "
                         f"(hint: choose another path)") from None


def write_report(path: Path, report: dict) -> None:
    validate_report(report)
    try:
        write_json_atomic(path, report)
    except OSError as exc:
        raise InputError(f"{path}: could not write the report: {exc.strerror or exc} (hint: the runs are "
                         "recorded in the ledger; rerun with another --report to get the report)") from None
