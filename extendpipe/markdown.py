"""The GitHub step summary: an apply report as Markdown, always under the size GitHub accepts.

GitHub shows `$GITHUB_STEP_SUMMARY` on the run's page and refuses a summary over 1 MiB. The summary
has a heading (pipeline and overall result), counts by status and by outcome, a table of the runs
that did not succeed (step, path, status, reason), and a collapsed `<details>` table of every run with
the values its EXTRACT output found (when that is a handful of scalars). Tables are filled row by
row until the byte budget is spent; what is left out is counted in a line saying so. Cells are
escaped for GitHub's Markdown tables (`|`, `\\`, newlines) and its HTML (`<`, `>`, `&`).
"""

from __future__ import annotations

LIMIT_BYTES = 1_000_000
MAX_CELL_CHARS = 300
MAX_VALUE_KEYS = 8
MAX_VALUE_CHARS = 40
RESERVE_BYTES = 400  # room for the "N left out" lines and the closing tags


def cell(value, limit: int = MAX_CELL_CHARS) -> str:
    """Text safe inside a Markdown table cell: one line, no bare `|`, no HTML, at most `limit` chars."""
    text = " ".join(("" if value is None else str(value)).split())
    text = "".join(ch for ch in text if ch >= " ")
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |\n"


def reason(run: dict) -> str:
    """Why a run did not succeed, in a few words."""
    message, why = run.get("failureMessage"), run.get("failureReason")
    if why and message and why not in message:
        return f"{why}: {message}"
    if message or why:
        return message or why
    if run.get("status") == "NEEDS_REVIEW":
        return "needs review (not allowed)"
    return {"timed_out": f"timed out ({run.get('status') or 'no status'})", "not_submitted": "not submitted",
            "error": "error"}.get(run["outcome"], run.get("status") or run["outcome"])


def extracted(run: dict) -> str:
    """`key: value` pairs from the first EXTRACT output whose value is a small dict of scalars, else ''."""
    for output in run.get("outputs") or []:
        value = (output.get("output") or {}).get("value") if isinstance(output.get("output"), dict) else None
        if output.get("type") != "EXTRACT" or not isinstance(value, dict):
            continue
        if 0 < len(value) <= MAX_VALUE_KEYS and all(isinstance(v, (str, int, float, bool, type(None)))
                                                     for v in value.values()):
            return "; ".join(f"{k}: {'' if v is None else v}"[:MAX_VALUE_CHARS] for k, v in sorted(value.items()))
        return ""
    return ""


def _status(run: dict) -> str:
    return run.get("status") or "no run"


def _fill(header: str, runs: list[dict], render, budget: int) -> tuple[str, int, int]:
    """`header` and as many rendered runs as fit in `budget` bytes; (text, bytes used, runs left out)."""
    parts, used = [header], len(header.encode())
    for index, run in enumerate(runs):
        row = render(run)
        size = len(row.encode())
        if used + size > budget:
            return "".join(parts), used, len(runs) - index
        parts.append(row)
        used += size
    return "".join(parts), used, 0


def _counts_table(title: str, counts: dict) -> str:
    return (_row(cell(title), "runs") + "| --- | ---: |\n"
            + "".join(_row(cell(name), str(count)) for name, count in counts.items()))


def render_step_summary(report: dict, limit_bytes: int = LIMIT_BYTES) -> str:
    """The report as GitHub-flavoured Markdown, at most `limit_bytes` bytes in UTF-8."""
    summary, runs = report["summary"], report["runs"]
    pipeline = cell(report["manifest"]["pipeline"])
    if summary["failed"]:
        head = f"## ❌ {pipeline}: {summary['failed']} of {summary['total']} run(s) did not succeed"
    elif report.get("error") or report.get("interrupted"):
        head = f"## ❌ {pipeline}: stopped early, {summary['succeeded']} of {summary['total']} run(s) succeeded"
    else:
        head = f"## ✅ {pipeline}: {summary['succeeded']} of {summary['total']} run(s) succeeded"
    target = report["target"]["kind"] + (" emulator" if report["target"]["kind"] == "embedded" else " API")
    if report.get("shard"):
        target += f" · shard {cell(report['shard'])}"
    text = (f"{head}\n\nManifest {cell(report['manifest']['path'])} · {target} · "
            f"{report['durationSeconds']:.1f} s · exit code {report['exitCode']}\n\n")
    if report.get("error"):
        text += f"**Stopped:** {cell(report['error'])}\n\n"
    text += _counts_table("status", summary["byStatus"]) + "\n" + _counts_table("outcome", summary["byOutcome"])
    budget = limit_bytes - RESERVE_BYTES

    failures = [run for run in runs if not run["success"]]
    if failures:
        header = (f"\n### Runs that did not succeed ({len(failures)})\n\n"
                  + _row("step", "path", "status", "reason") + "| --- | --- | --- | --- |\n")
        table, _, left = _fill(header, failures, lambda r: _row(
            cell(r["step"]), cell(r["path"]), cell(_status(r)), cell(reason(r))), budget - len(text.encode()))
        text += table + (f"\n{left} more run(s) that did not succeed are left out (see the JSON report).\n"
                         if left else "")

    header = (f"\n<details><summary>All runs ({len(runs)})</summary>\n\n"
              + _row("step", "path", "status", "outcome", "extracted") + "| --- | --- | --- | --- | --- |\n")
    table, used, left = _fill(header, runs, lambda r: _row(
        cell(r["step"]), cell(r["path"]), cell(_status(r)), cell(r["outcome"]), cell(extracted(r))),
        budget - len(text.encode()))
    if used > len(header.encode()) or not left:
        text += table + (f"\n{left} more run(s) are left out (see the JSON report).\n" if left else "")
        text += "\n</details>\n"
    else:
        text += f"\nThe table of all {len(runs)} run(s) is left out: it does not fit (see the JSON report).\n"
    data = text.encode()
    if len(data) > limit_bytes:  # only when limit_bytes is smaller than the fixed parts
        text = data[:limit_bytes].decode("utf-8", "ignore")
    return text
