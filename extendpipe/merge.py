"""Merge shard reports into the report an unsharded apply would have written."""

from __future__ import annotations

from extendpipe.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNS_FAILED, InputError
from extendpipe.report import summarize

_SAME_KEYS = ("manifest", "target", "allowNeedsReview", "tool")


def check_shards(reports: list[tuple[str, dict]]) -> None:
    """Shard reports must cover every shard of one split exactly once, or the merge would look complete."""
    shards = [(path, r.get("shard")) for path, r in reports]
    if not any(shard for _, shard in shards):
        return
    if not all(shard for _, shard in shards):
        raise InputError("some reports are shards and some are not (hint: merge the reports of one split)")
    counts = {shard.split("/")[1] for _, shard in shards}
    if len(counts) != 1:
        raise InputError(f"the reports come from different splits ({', '.join(sorted(counts))} shards)")
    total = int(counts.pop())
    seen = sorted(int(shard.split("/")[0]) for _, shard in shards)
    missing = sorted(set(range(1, total + 1)) - set(seen))
    if missing or len(seen) != total:
        raise InputError(f"shard(s) {', '.join(f'{i}/{total}' for i in missing) or 'repeated'} missing "
                         "(hint: give every shard's report once, or --partial to merge what there is)")


def merge_reports(reports: list[tuple[str, dict]], partial: bool = False) -> dict:
    """`reports` are (path, report) pairs; they must come from one manifest, one target kind."""
    if not reports:
        raise InputError("nothing to merge (hint: give the shard reports)")
    if not partial:
        check_shards(reports)
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
        "shard": None if not partial else first.get("shard"),
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
