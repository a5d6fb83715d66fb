"""Merge shard reports into the report an unsharded apply would have written."""

from __future__ import annotations

from extendpipe.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNS_FAILED, InputError
from extendpipe.report import summarize

_SAME_KEYS = ("manifest", "target", "allowNeedsReview", "tool")


def merge_reports(reports: list[tuple[str, dict]]) -> dict:
    """`reports` are (path, report) pairs; they must come from one manifest, one target kind."""
    if not reports:
        raise InputError("nothing to merge (hint: give the shard reports)")
    first_path, first = reports[0]
    for path, report in reports[1:]:
        for key in ("manifest", "allowNeedsReview"):
            if report[key] != first[key]:
                raise InputError(f"{path}: its {key} differs from {first_path}'s (hint: merge reports of "
                                 "one manifest at one commit)")
    order = {name: i for i, name in enumerate(first["manifest"]["steps"])}
    seen: dict[tuple[str, str], str] = {}
    runs = []
    for path, report in reports:
        for row in report["runs"]:
            key = (row["step"], row["path"])
            if key in seen:
                raise InputError(f"{path}: run {row['step']} {row['path']} is also in {seen[key]} "
                                 "(hint: give each shard's report once)")
            seen[key] = path
            runs.append(row)
    runs.sort(key=lambda r: (order.get(r["step"], len(order)), r["path"]))
    codes = {r["exitCode"] for _, r in reports}
    if EXIT_API in codes:
        exit_code = EXIT_API
    elif EXIT_INTERRUPTED in codes:
        exit_code = EXIT_INTERRUPTED
    else:
        exit_code = EXIT_OK if all(r["success"] for r in runs) else EXIT_RUNS_FAILED
    requests: dict[str, int] = {}
    for _, report in reports:
        for name, count in report["requests"].items():
            requests[name] = requests.get(name, 0) + count
    errors = [r["error"] for _, r in reports if r["error"]]
    return {
        **{key: first[key] for key in _SAME_KEYS},
        "reportVersion": first["reportVersion"],
        "shard": None,
        "startedAt": min(r["startedAt"] for _, r in reports),
        "finishedAt": max(r["finishedAt"] for _, r in reports),
        "durationSeconds": max(r["durationSeconds"] for _, r in reports),
        "exitCode": exit_code,
        "interrupted": any(r["interrupted"] for _, r in reports),
        "error": "; ".join(errors) if errors else None,
        "requests": dict(sorted(requests.items())),
        "summary": summarize(runs),
        "runs": runs,
    }
