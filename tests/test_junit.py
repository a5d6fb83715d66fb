"""JUnit XML from a report: valid against the Jenkins JUnit schema, right counts, escaped, deterministic."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from extendpipe.junit import render_junit, run_seconds
from extendpipe.report import validate_report
from extendpipe.timestamps import parse_time

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def junit_schema():
    """The Jenkins xUnit JUnit schema (tests/data/junit-10.xsd; MIT, source in the file)."""
    xmlschema = pytest.importorskip("xmlschema")  # a test dependency (setup.cfg's test extra)
    return xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))


@pytest.fixture
def report():
    """A real apply report of the sample invoices, edited to hold every kind of run that did not succeed."""
    data = json.loads((DATA / "report-mixed.json").read_text(encoding="utf-8"))
    validate_report(data)
    return data


def cases(root):
    return {case.get("name"): case for case in root.iter("testcase")}


def test_the_report_renders_valid_junit_with_right_counts(report, junit_schema):
    xml = render_junit(report)
    junit_schema.validate(xml.decode("utf-8"))
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    counts = (root.get("name"), root.get("tests"), root.get("failures"), root.get("errors"))
    assert counts == ("invoices", "12", "7", "0")
    assert root.get("time") == "0.557"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["invoices/pdf-invoices", "invoices/text-invoices"]
    assert [(s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped")) for s in suites] == [
        ("6", "4", "0", "0"), ("6", "3", "0", "0")]
    assert [s.get("id") for s in suites] == ["0", "1"]
    assert suites[0].get("timestamp") == "2026-12-03T16:32:34"
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        total = sum(float(c.get("time")) for c in suite.findall("testcase"))
        assert float(suite.get("time")) == pytest.approx(total, abs=0.002)


def test_each_run_that_did_not_succeed_has_one_failure_with_its_status_and_reason(report):
    by_name = cases(ET.fromstring(render_junit(report)))
    failures = {name: (c.find("failure").get("type"), c.find("failure").get("message"))
                for name, c in by_name.items() if c.find("failure") is not None}
    p = t = "samples/invoices/"
    assert failures == {
        p + "alpenblick-treuhand-chf.pdf": ("FAILED", "CORRUPT_FILE: The file could not be parsed | page 2 is damaged"),
        p + "atelier-lumiere-facture.pdf": ("REJECTED", "REJECTED_BY_REVIEWER: Not an invoice"),
        p + "bakkerij-van-dijk-factuur.pdf": (
            "NEEDS_REVIEW", "NEEDS_REVIEW does not count as success (allow it with --allow-needs-review)"),
        p + "maple-leaf-hardware.pdf": ("CANCELLED", "CANCELLED"),
        t + "bright-path-freight.txt": ("timed_out", "timed out waiting; last status PROCESSING"),
        t + "cloudnest-saas-invoice.txt": (
            "error", "FILE_TYPE_NOT_SUPPORTED: 400 Bad Request: file type not supported"),
        t + "sakura-stationery-receipt.txt": ("not_submitted", "not submitted"),
    }
    failed = by_name[p + "alpenblick-treuhand-chf.pdf"].find("failure")
    assert failed.text == ("status: FAILED\noutcome: submitted\nfailureReason: CORRUPT_FILE\n"
                           "failureMessage: The file could not be parsed | page 2\nis damaged\n")


def test_testcases_carry_step_path_duration_and_the_run_ids(report):
    root = ET.fromstring(render_junit(report))
    case = cases(root)["samples/invoices/acme-industrial-supply.pdf"]
    assert case.get("classname") == "pdf-invoices"
    assert case.get("time") == "0.095"  # finishedAt 34.310 - submittedAt 34.215
    assert case.find("failure") is None
    out = case.find("system-out").text
    assert "runId: workflow_run_XizqnRezcE4rRr7ATcxa\n" in out
    assert "fingerprint: sha256:e3fb36a496e327eed864b15ba88e63021d7f4ac18817f310296dbc1d3d030606\n" in out
    assert "workflowId: workflow_invoice_extraction\n" in out
    assert "outcome: submitted\n" in out
    timed_out = cases(root)["samples/invoices/bright-path-freight.txt"]
    assert timed_out.get("time") == "0.000"  # no finishedAt
    never_created = cases(root)["samples/invoices/sakura-stationery-receipt.txt"].find("system-out").text
    assert "runId" not in never_created and "outcome: not_submitted\n" in never_created
    props = {p.get("name"): p.get("value") for p in root.find("testsuite").iter("property")}
    assert props["workflowId"] == "workflow_invoice_extraction"
    assert props["requestedVersion"] == "latest published"
    assert props["manifest"] == "pipelines/invoices.yaml"
    assert props["target"] == "embedded"
    assert "shard" not in props


def test_a_shard_is_a_property(report, junit_schema):
    report["shard"] = "2/4"
    xml = render_junit(report)
    junit_schema.validate(xml.decode("utf-8"))
    for suite in ET.fromstring(xml).iter("testsuite"):
        assert {p.get("name"): p.get("value") for p in suite.iter("property")}["shard"] == "2/4"


def test_output_is_deterministic(report):
    again = json.loads(json.dumps(report, sort_keys=False))
    again["runs"] = [dict(reversed(list(run.items()))) for run in again["runs"]]  # key order must not matter
    assert render_junit(report) == render_junit(copy.deepcopy(report)) == render_junit(again)
    assert render_junit(report).startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites ")
    assert render_junit(report).endswith(b"</testsuites>\n")


def test_markup_and_characters_xml_forbids_are_handled(report, junit_schema):
    run = report["runs"][1]
    run["path"] = 'weird/<a & "b"> \x01\x1b[31m\ufffe\ud800 ok.pdf'
    run["failureMessage"] = "line1\r\nline2\x00\x07 ]]> </failure>"
    run["step"] = "pdf-invoices"
    xml = render_junit(report)
    junit_schema.validate(xml.decode("utf-8"))
    case = cases(ET.fromstring(xml))['weird/<a & "b"> [31m ok.pdf']
    failure = case.find("failure")
    assert failure.get("message") == "CORRUPT_FILE: line1 line2 ]]> </failure>"
    assert failure.text.endswith("failureMessage: line1\nline2 ]]> </failure>\n")  # a parser reads \r\n as \n


def test_a_report_with_no_runs_is_valid(report, junit_schema):
    report["runs"] = []
    xml = render_junit(report)
    junit_schema.validate(xml.decode("utf-8"))
    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures"), root.findall("testsuite")) == ("0", "0", [])


@pytest.mark.parametrize(("start", "end", "seconds"), [
    ("2024-01-01T00:00:00Z", "2024-01-01T00:01:30.5Z", 90.5),
    ("2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:01.123456Z", 1.0),
    ("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:02Z", 2.0),
    ("2024-01-01T00:00:05Z", "2024-01-01T00:00:00Z", 0.0),   # backwards: 0, never negative
    (None, "2024-01-01T00:00:00Z", 0.0),
    ("yesterday", "2024-01-01T00:00:00Z", 0.0),
])
def test_run_duration(start, end, seconds):
    assert run_seconds({"submittedAt": start, "finishedAt": end}) == pytest.approx(seconds)


def test_parse_time_reads_offsets_without_a_colon():
    assert parse_time("2024-01-01T00:00:00+0200").utcoffset().total_seconds() == 7200
