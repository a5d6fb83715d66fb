"""JUnit XML for CI test tabs (`--junit FILE`), rendered from an apply report.

One `<testsuites>` for the pipeline, one `<testsuite>` per step (name `pipeline/step`), one
`<testcase>` per run (classname: the step, name: the input path, time: finishedAt - submittedAt when
the server gave both, else 0). A run that does not count as success gets one
`<failure type=STATUS message=...>`: FAILED, REJECTED, CANCELLED, NEEDS_REVIEW when not allowed, or
the outcome (timed_out, error, not_submitted) when the run never reached a final status.

The output validates against the Jenkins xUnit JUnit schema (tests/data/junit-10.xsd), which allows
`<properties>` only on a testsuite: step-wide facts (workflow id, requested version, manifest) are
properties there, and each run's ids (run id, fingerprint, workflow version, outcome) are lines in the
testcase's `<system-out>`, which Jenkins, GitLab and the GitHub test-report actions all show.

The bytes depend on the report alone (same report, same bytes). Characters XML 1.0 forbids (most C0
controls, lone surrogates, U+FFFE/U+FFFF) are removed; ElementTree escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from extendpipe.timestamps import parse_time

NEEDS_REVIEW = "NEEDS_REVIEW"
NEVER_FINAL_OUTCOMES = ("timed_out", "error", "not_submitted")
MAX_MESSAGE_CHARS = 1000
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """`value` as text XML 1.0 can hold: None is empty, forbidden characters are dropped."""
    return "" if value is None else _NOT_XML.sub("", str(value))


def run_seconds(run: dict) -> float:
    """Seconds from submittedAt to finishedAt, or 0 when either is missing (or they run backwards)."""
    start, end = parse_time(run.get("submittedAt")), parse_time(run.get("finishedAt"))
    if start is None or end is None:
        return 0.0
    return max(0.0, (end - start).total_seconds())


def failure_type(run: dict) -> str:
    """STATUS for a run that reached one; the outcome for one that never did (timed_out, error, ...)."""
    if run["outcome"] in NEVER_FINAL_OUTCOMES or not run.get("status"):
        return run["outcome"]
    return run["status"]


def failure_message(run: dict, report: dict) -> str:
    """One line saying why the run does not count as success."""
    reason, message, status = run.get("failureReason"), run.get("failureMessage"), run.get("status")
    if message or reason:
        text = f"{reason}: {message}" if reason and message and reason not in message else (message or reason)
    elif status == NEEDS_REVIEW:
        text = "NEEDS_REVIEW does not count as success (allow it with --allow-needs-review)"
    elif run["outcome"] == "timed_out":
        text = f"timed out waiting; last status {status or 'unknown'}"
    elif run["outcome"] == "not_submitted":
        text = "not submitted" + (f": {report['error']}" if report.get("error") else "")
    else:
        text = f"{status or run['outcome']}"
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS - 3] + "..."


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _element(parent, tag: str, attrs: dict, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _run_lines(run: dict, keys) -> str:
    return "".join(f"{key}: {run.get(key)}\n" for key in keys if run.get(key) not in (None, ""))


def _testcase(suite: ET.Element, run: dict, report: dict) -> float:
    seconds = run_seconds(run)
    case = _element(suite, "testcase", {"classname": run["step"], "name": run["path"], "time": _seconds(seconds)})
    if not run["success"]:
        details = _run_lines(run, ("status", "outcome", "failureReason", "failureMessage"))
        _element(case, "failure", {"message": failure_message(run, report), "type": failure_type(run)}, details)
    _element(case, "system-out", {}, _run_lines(run, (
        "runId", "fingerprint", "workflowId", "requestedVersion", "workflowVersion", "status", "outcome",
        "attempts", "fileId", "sha256", "submittedAt", "finishedAt")))
    return seconds


def _steps(runs: list[dict]) -> dict[str, list[dict]]:
    steps: dict[str, list[dict]] = {}
    for run in runs:
        steps.setdefault(run["step"], []).append(run)
    return steps


def render_junit(report: dict) -> bytes:
    """The report as JUnit XML (UTF-8 bytes with an XML declaration and a final newline)."""
    pipeline = report["manifest"]["pipeline"]
    runs = report["runs"]
    timestamp = (report.get("startedAt") or "")[:19]
    root = ET.Element("testsuites", {
        "name": xml_text(pipeline), "tests": str(len(runs)),
        "failures": str(sum(1 for r in runs if not r["success"])), "errors": "0",
        "time": _seconds(max(0.0, float(report.get("durationSeconds") or 0)))})
    for index, (step, step_runs) in enumerate(_steps(runs).items()):
        suite = _element(root, "testsuite", {
            "name": f"{pipeline}/{step}", "tests": str(len(step_runs)),
            "failures": str(sum(1 for r in step_runs if not r["success"])), "errors": "0", "skipped": "0",
            "time": "0", "timestamp": timestamp, "hostname": "localhost", "id": str(index), "package": pipeline})
        properties = _element(suite, "properties", {})
        first = step_runs[0]
        for name, value in (("pipeline", pipeline), ("step", step), ("workflowId", first.get("workflowId")),
                            ("requestedVersion", first.get("requestedVersion") or "latest published"),
                            ("manifest", report["manifest"]["path"]), ("manifestSha256", report["manifest"]["sha256"]),
                            ("target", report["target"]["kind"]), ("apiVersion", report["target"]["apiVersion"]),
                            ("allowNeedsReview", str(report.get("allowNeedsReview", False)).lower()),
                            ("shard", report.get("shard"))):
            if value is not None:
                _element(properties, "property", {"name": name, "value": value})
        total = sum(_testcase(suite, run, report) for run in step_runs)
        suite.set("time", _seconds(total))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
