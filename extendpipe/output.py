"""Text for people, on stderr: run lines as they finish and the one-screen summary at the end."""

from __future__ import annotations

import click

MAX_FAILURES_SHOWN = 20


def echo_err(message: str = "") -> None:
    click.echo(message, err=True)


_CONTROL = {c: f"\\x{c:02x}" for c in list(range(0x20)) + [0x7f]}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def printable(value) -> str:
    """Text from files and servers, safe for a terminal or a CI log: control characters (CR, ESC, newlines
    that could forge log lines or GitHub workflow commands) are shown escaped, never emitted."""
    return str(value).translate(_CONTROL)


def summary_lines(report: dict, report_path: str) -> list[str]:
    summary = report["summary"]
    lines = [f"{report['manifest']['pipeline']}: {summary['total']} run(s), {summary['succeeded']} succeeded, "
             f"{summary['failed']} did not ({report['durationSeconds']:.1f} s)"]
    statuses = ", ".join(f"{name} {count}" for name, count in summary["byStatus"].items())
    outcomes = ", ".join(f"{name} {count}" for name, count in summary["byOutcome"].items())
    lines.append(f"  status:  {statuses or '-'}")
    lines.append(f"  outcome: {outcomes or '-'}")
    runs = report["runs"]  # a report.Rows while apply writes it: only the failed rows are built
    failures = runs.failed() if hasattr(runs, "failed") else [r for r in runs if not r["success"]]
    for row in failures[:MAX_FAILURES_SHOWN]:
        why = row["failureMessage"] or row["failureReason"] or row["outcome"]
        lines.append(printable(f"  not ok: {row['step']}  {row['path']}: {row['status'] or 'no run'}: {why}"))
    if len(failures) > MAX_FAILURES_SHOWN:
        lines.append(f"  ... and {len(failures) - MAX_FAILURES_SHOWN} more (see the report)")
    if report["error"]:
        lines.append(printable(f"  stopped: {report['error']}"))
    lines.append(f"report: {report_path}")
    return lines
