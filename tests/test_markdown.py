"""The GitHub step summary: what it says, how cells are escaped, and that it always fits in 1 MiB."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from extendpipe.markdown import cell, extracted, render_step_summary

DATA = Path(__file__).parent / "data"
MIB = 1024 * 1024


@pytest.fixture
def report():
    """A real apply report of the sample invoices, edited to hold every kind of run that did not succeed."""
    return json.loads((DATA / "report-mixed.json").read_text(encoding="utf-8"))


def big_report(report: dict, count: int, *, failed_every: int = 3) -> dict:
    template = report["runs"][0]
    runs = []
    for i in range(count):
        run = copy.deepcopy(template) if i < 10 else dict(template)  # share outputs: keeps the test fast
        run.update(path=f"batch/{i:06d}-{'x' * 40}.pdf", runId=f"workflow_run_{i:020d}")
        if i % failed_every == 0:
            run.update(status="FAILED", success=False, failureReason="CORRUPT_FILE",
                       failureMessage="The file could not be parsed " + "y" * 60)
        runs.append(run)
    report["runs"] = runs
    failed = sum(1 for r in runs if not r["success"])
    report["summary"] = {"total": count, "succeeded": count - failed, "failed": failed,
                         "byStatus": {"FAILED": failed, "PROCESSED": count - failed}, "byOutcome": {"submitted": count}}
    return report


def test_summary_has_heading_counts_failures_and_all_runs(report):
    text = render_step_summary(report)
    assert text.startswith("## ❌ invoices: 7 of 12 run(s) did not succeed\n\n"
                           "Manifest pipelines/invoices.yaml · embedded emulator · 0.6 s · exit code 1\n")
    assert "| status | runs |\n| --- | ---: |\n| CANCELLED | 1 |\n| FAILED | 1 |\n" in text
    assert "| outcome | runs |\n| --- | ---: |\n| error | 1 |\n| not_submitted | 1 |\n" in text
    assert "### Runs that did not succeed (7)\n\n| step | path | status | reason |\n" in text
    assert ("| pdf-invoices | samples/invoices/alpenblick-treuhand-chf.pdf | FAILED | "
            "CORRUPT_FILE: The file could not be parsed \\| page 2 is damaged |\n") in text
    assert "| text-invoices | samples/invoices/sakura-stationery-receipt.txt | no run | not submitted |\n" in text
    assert "| pdf-invoices | samples/invoices/bakkerij-van-dijk-factuur.pdf | NEEDS_REVIEW | needs review" in text
    assert "<details><summary>All runs (12)</summary>\n\n" in text and text.endswith("</details>\n")
    assert ("| pdf-invoices | samples/invoices/acme-industrial-supply.pdf | PROCESSED | submitted | currency: USD; "
            "invoice_date: 2024-03-05; invoice_number: INV-2024-0113; issuer: Acme Industrial Supply Inc.; "
            "total_amount: 1755.86 |\n") in text
    assert "left out" not in text


def test_a_shard_is_named(report):
    report["shard"] = "2/4"
    assert "\nManifest pipelines/invoices.yaml · embedded emulator · shard 2/4 · 0.6 s · exit code 1\n" in (
        render_step_summary(report))


def test_a_clean_run_says_so_and_has_no_failure_table(report):
    report["runs"] = [r for r in report["runs"] if r["success"]]
    report["summary"].update(total=5, succeeded=5, failed=0, byStatus={"PROCESSED": 5})
    text = render_step_summary(report)
    assert text.startswith("## ✅ invoices: 5 of 5 run(s) succeeded\n")
    assert "did not succeed" not in text


def test_an_apply_stopped_early_says_so(report):
    report["runs"] = [r for r in report["runs"] if r["success"]]
    report["summary"].update(total=5, succeeded=5, failed=0)
    report["error"] = "the API answered 401 | unauthorized"
    text = render_step_summary(report)
    assert text.startswith("## ❌ invoices: stopped early, 5 of 5 run(s) succeeded\n")
    assert "**Stopped:** the API answered 401 \\| unauthorized\n" in text


@pytest.mark.parametrize(("raw", "shown"), [
    ("a|b", "a\\|b"),
    ("line1\nline2\r\nline3", "line1 line2 line3"),
    ("back\\slash|pipe", "back\\\\slash\\|pipe"),
    ("<details> & </table>", "&lt;details&gt; &amp; &lt;/table&gt;"),
    ("bell\x07 esc\x1b[0m", "bell esc[0m"),
    (None, ""),
    (12.5, "12.5"),
])
def test_cells_are_escaped(raw, shown):
    assert cell(raw) == shown


def test_long_cells_are_cut():
    assert cell("x" * 1000) == "x" * 299 + "…"


def test_every_row_keeps_the_table_shape(report):
    report["runs"][1]["path"] = "odd|name\nwith <b>bold</b>.pdf"
    report["runs"][1]["failureMessage"] = "a | b | c"
    text = render_step_summary(report)
    rows = [line for line in text.splitlines() if line.startswith("| pdf-invoices | odd")]
    assert len(rows) == 2
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == (5 if "FAILED | CORRUPT" in row else 6)


def test_extracted_values_only_for_a_few_scalars():
    def run(value):
        return {"outputs": [{"type": "CLASSIFY", "output": {"value": {"type": "invoice"}}},
                            {"type": "EXTRACT", "output": {"value": value}}]}
    assert extracted(run({"b": 2, "a": "x", "c": None})) == "a: x; b: 2; c: "
    assert extracted(run({"lines": [{"amount": 1}]})) == ""
    assert extracted(run({f"k{i}": i for i in range(20)})) == ""
    assert extracted(run("just text")) == ""
    assert extracted({"outputs": []}) == ""


def test_a_hundred_thousand_runs_fit_in_one_mib_and_say_how_many_are_left_out(report):
    report = big_report(report, 100_000)
    text = render_step_summary(report)
    size = len(text.encode("utf-8"))
    assert size <= 1_000_000 < MIB
    assert size > 900_000  # the budget is used, not wasted
    shown_failures = len(re.findall(r"^\| pdf-invoices \| batch/\d+-x+\.pdf \| FAILED \| CORRUPT", text, re.M))
    left = int(re.search(r"^(\d+) more run\(s\) that did not succeed are left out \(see the JSON report\)\.$",
                         text, re.M).group(1))
    assert shown_failures > 1000 and shown_failures + left == 33_334
    assert "### Runs that did not succeed (33334)" in text
    assert "The table of all 100000 run(s) is left out: it does not fit (see the JSON report).\n" in text
    assert text.startswith("## ❌ invoices: 33334 of 100000 run(s) did not succeed\n")
    assert "| status | runs |\n| --- | ---: |\n| FAILED | 33334 |\n| PROCESSED | 66666 |\n" in text


def test_all_runs_table_is_cut_with_a_count_when_the_failures_fit(report):
    report = big_report(report, 100_000, failed_every=100_000)  # one failure
    text = render_step_summary(report)
    assert len(text.encode("utf-8")) <= 1_000_000
    shown = len(re.findall(r"^\| pdf-invoices \| batch/", text, re.M)) - 1  # minus the failure row
    left = int(re.search(r"^(\d+) more run\(s\) are left out \(see the JSON report\)\.$", text, re.M).group(1))
    assert shown + left == 100_000
    assert text.endswith("</details>\n")


@pytest.mark.parametrize("limit", [50, 2_000, 20_000])
def test_any_limit_is_respected(report, limit):
    text = render_step_summary(big_report(report, 2_000), limit_bytes=limit)
    assert len(text.encode("utf-8")) <= limit
