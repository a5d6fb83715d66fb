"""`extendpipe report show|merge`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from extendpipe.errors import InputError
from extendpipe.output import echo_err, echo_out, summary_lines


def read_report(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            report = json.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the report: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(f"{path}: not a JSON report: {exc}") from None
    from extendpipe.report import validate_report

    try:
        validate_report(report)
    except RuntimeError as exc:
        raise InputError(f"{path}: {exc}") from None
    return report


@click.group()
def report() -> None:
    """Read and combine apply reports."""


@report.command()
@click.argument("path", type=click.Path(dir_okay=False))
def show(path) -> int:
    """Print a report's summary (what apply printed at its end)."""
    doc = read_report(path)
    for line in summary_lines(doc, path):
        echo_out(line)
    return doc["exitCode"] if doc["exitCode"] in (0, 1) else 1


@report.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Where to write the merged report.")
@click.option("--partial", is_flag=True, help="Merge even when some shards' reports are missing.")
def merge(paths, out, partial) -> int:
    """Merge shard reports (apply --shard I/N) into one, as an unsharded apply would have written it."""
    from extendpipe.merge import merge_reports
    from extendpipe.outfile import check_writable
    from extendpipe.report import write_report

    check_writable(Path(out), "merged report")
    if os.path.isfile(out) and os.path.getsize(out) and out not in paths:
        try:
            read_report(out)
        except InputError:
            raise InputError(f"{out}: this file is not a report, so merge does not overwrite it (hint: give -o a "
                             "new path, or an earlier merged report)") from None
    merged = merge_reports([(p, read_report(p)) for p in paths], partial=partial)
    write_report(Path(out), merged)
    echo_err(f"merged {len(paths)} report(s), {merged['summary']['total']} run(s) into {out}")
    return 0
