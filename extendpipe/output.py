"""Text for people, on stderr: run lines as they finish and the one-screen summary at the end; and
the data commands print on stdout, which must arrive or fail loudly."""

from __future__ import annotations

import os
import sys

import click

from extendpipe.constants import FINAL_STATUSES
from extendpipe.errors import InputError

MAX_FAILURES_SHOWN = 20


def echo_err(message: str = "") -> None:
    """Text for people. A stderr that cannot take it (a full disk) must not change what the command
    does or its exit code, so the text is dropped; a reader that went away is the top-level handler's."""
    try:
        click.echo(message, err=True)
    except BrokenPipeError:
        raise
    except OSError:
        pass


def echo_out(message: str = "", nl: bool = True) -> None:
    """Data on stdout. A stdout that is closed (`>&-`, where click prints nothing at all) or that
    cannot be written (`> /dev/full`) is an InputError, exit 2: a caller would otherwise take no data
    for a success. A reader that went away (BrokenPipeError, `| head`) is the top-level handler's."""
    if sys.stdout is None:
        raise InputError("stdout is closed, so what this command prints has nowhere to go (hint: redirect "
                         "stdout to a file, or to /dev/null, instead of closing it)")
    try:
        click.echo(message, nl=nl)
    except BrokenPipeError:
        raise
    except OSError as exc:
        discard_stdout()
        raise InputError(f"cannot write to stdout: {exc.strerror or exc} (hint: redirect stdout to a "
                         "file on a disk with free space)") from None


def discard_stdout() -> None:
    """Point stdout's file descriptor at /dev/null, so that what is still buffered goes nowhere and the
    flush at exit cannot fail again (Python would print "Exception ignored" and exit 120)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # closed, or not a real file (click's CliRunner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


_CONTROL = {c: f"\\x{c:02x}" for c in list(range(0x20)) + [0x7f]}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def printable(value) -> str:
    """Text from files and servers, safe for a terminal or a CI log: control characters (CR, ESC, newlines
    that could forge log lines or GitHub workflow commands) are shown escaped, never emitted."""
    return str(value).translate(_CONTROL)


def _unfinished(row: dict) -> str | None:
    """Why a run that neither failed nor finished is listed, and what a rerun does about it."""
    if row["status"] and row["status"] not in FINAL_STATUSES:
        return f"{row['outcome']}, not final when apply stopped waiting (a rerun waits for it)"
    if row["outcome"] == "not_submitted":
        return "not submitted (a rerun submits it)"
    return None


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
        why = row["failureMessage"] or row["failureReason"] or _unfinished(row) or row["outcome"]
        lines.append(printable(f"  not ok: {row['step']}  {row['path']}: {row['status'] or 'no run'}: {why}"))
    if len(failures) > MAX_FAILURES_SHOWN:
        lines.append(f"  ... and {len(failures) - MAX_FAILURES_SHOWN} more (see the report)")
    if report["error"]:
        lines.append(printable(f"  stopped: {report['error']}"))
    lines.append(f"report: {report_path}")
    return lines
