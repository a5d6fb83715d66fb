"""apply end to end: the CLI, real HTTP on loopback, the report on disk and what the server received."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from extendpipe.cli import cli
from extendpipe.schemafiles import load_schema

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "pipelines" / "samples" / "invoices"
EXPECTED = json.loads((REPO / "pipelines" / "samples" / "invoices.expected.json").read_text())
SHARED_INVOICES = REPO.parent / "shared" / "data" / "invoices"
FAST = ["--poll-interval", "0.05", "--wait-timeout", "120"]


def invoke(args, env=None):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def validate_against_schema(report: dict) -> None:
    errors = list(Draft202012Validator(load_schema("report")).iter_errors(report))
    assert errors == [], [e.message for e in errors]


def extracted(row: dict) -> dict:
    extract = [o for o in row["outputs"] if o["type"] == "EXTRACT"]
    assert len(extract) == 1, row["outputs"]
    return extract[0]["output"]["value"]


def write_manifest(folder: Path, text: str) -> Path:
    path = folder / "pipeline.yaml"
    path.write_text(text)
    return path


MANIFEST = """\
version: 1
name: demo
defaults:
  priority: 40
  metadata: {team: qa}
steps:
  - name: docs
    workflow: workflow_demo
    version: "draft"
    metadata: {kind: invoice}
    inputs:
      include: ["docs/*"]
"""


@pytest.fixture
def remote_env(emulator):
    return {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}


def copy_samples(dest: Path, names: list[str]) -> None:
    dest.mkdir(parents=True)
    for name in names:
        shutil.copy(SAMPLES / name, dest / name)


def test_main_job_on_the_embedded_emulator(tmp_path):
    report_path = tmp_path / "report.json"
    result = invoke(["apply", str(REPO / "pipelines" / "invoices.yaml"), "--report", str(report_path),
                     "--state-dir", str(tmp_path / "state"), *FAST])
    assert result.exit_code == 0, result.stderr
    assert "embedded Extend emulator" in result.stderr
    report = json.loads(report_path.read_text())
    validate_against_schema(report)
    assert report["target"]["kind"] == "embedded"
    rows = {Path(r["path"]).name: r for r in report["runs"]}
    assert sorted(rows) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        row = rows[name]
        assert row["status"] == "PROCESSED", row
        value = extracted(row)
        assert value["invoice_number"] == expected["invoice_number"], name
        assert value["invoice_date"] == expected["invoice_date"], name
        assert value["total_amount"] == pytest.approx(expected["total_amount"]), name
    assert report["summary"]["succeeded"] == len(EXPECTED)
    assert report["exitCode"] == 0


def test_apply_sends_what_the_manifest_declares(tmp_path, emulator, remote_env):
    names = sorted(p.name for p in SAMPLES.iterdir())[:3]
    copy_samples(tmp_path / "docs", names)
    manifest = write_manifest(tmp_path, MANIFEST)
    report_path = tmp_path / "out" / "report.json"
    result = invoke(["apply", str(manifest), "--report", str(report_path), *FAST], env=remote_env)
    assert result.exit_code == 0, result.stderr
    assert "embedded" not in result.stderr

    uploads = emulator.requests_matching("POST", "/files/upload")
    creates = emulator.requests_matching("POST", "/workflow_runs")
    creates = [r for r in creates if r.path == "/workflow_runs"]
    assert len(uploads) == 3 and len(creates) == 3
    bodies = sorted((r.json for r in creates), key=lambda b: b["files"][0]["fileName"])
    for name, body in zip(names, bodies):
        assert body["workflowId"] == "workflow_demo"
        assert body["version"] == "draft"
        assert body["priority"] == 40
        assert body["files"][0]["fileName"] == f"docs/{name}"
        assert body["metadata"]["team"] == "qa" and body["metadata"]["kind"] == "invoice"
        assert body["metadata"]["extendpipe"]["step"] == "docs"
        assert body["metadata"]["extendpipe"]["fingerprint"].startswith("sha256:")
    for request in emulator.requests:
        assert request.headers["authorization"] == "Bearer test-key"
        assert request.headers["x-extend-api-version"] == "2025-04-21"

    report = json.loads(report_path.read_text())
    validate_against_schema(report)
    assert [r["path"] for r in report["runs"]] == [f"docs/{n}" for n in names]
    assert {r["status"] for r in report["runs"]} == {"PROCESSED"}
    assert all(r["runId"].startswith("workflow_run_") for r in report["runs"])
    # Polling is by list sweeps plus one GET per final run, not per-run polling.
    gets = [r for r in emulator.requests if r.method == "GET" and r.path.startswith("/workflow_runs/")]
    assert len(gets) == 3


def test_corrupt_pdf_fails_alone_and_exits_1(tmp_path, emulator, remote_env):
    names = sorted(p.name for p in SAMPLES.glob("*.txt"))[:2]
    copy_samples(tmp_path / "docs", names)
    (tmp_path / "docs" / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\xff")
    manifest = write_manifest(tmp_path, MANIFEST)
    report_path = tmp_path / "report.json"
    result = invoke(["apply", str(manifest), "--report", str(report_path), *FAST], env=remote_env)
    assert result.exit_code == 1, result.stderr
    report = json.loads(report_path.read_text())
    validate_against_schema(report)
    rows = {r["path"]: r for r in report["runs"]}
    broken = rows.pop("docs/broken.pdf")
    assert broken["status"] == "FAILED" and broken["success"] is False
    assert broken["failureReason"] and broken["failureMessage"]
    assert {r["status"] for r in rows.values()} == {"PROCESSED"}
    assert report["summary"] == {"total": 3, "succeeded": 2, "failed": 1,
                                 "byStatus": {"FAILED": 1, "PROCESSED": 2}, "byOutcome": {"submitted": 3}}
    assert "not ok: docs  docs/broken.pdf: FAILED" in result.stderr


def test_schema_error_exits_2_naming_file_and_line_and_sends_nothing(tmp_path, emulator, remote_env):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Invoice number: 1\n")
    broken = MANIFEST.replace('    version: "draft"\n', '    version: "draft"\n    prio: 3\n')
    manifest = write_manifest(tmp_path, broken)
    result = invoke(["apply", str(manifest), "--report", str(tmp_path / "r.json")], env=remote_env)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{manifest}:10:5: steps[0]: unexpected key 'prio' (hint: did you mean 'priority'?)",
        "1 problem(s); nothing was submitted"]
    assert "Traceback" not in result.stderr
    assert emulator.requests == [] or len(emulator.requests) == 0
    assert not (tmp_path / "r.json").exists()


def test_glob_matching_nothing_exits_2_and_sends_nothing(tmp_path, emulator, remote_env):
    (tmp_path / "docs").mkdir()
    manifest = write_manifest(tmp_path, MANIFEST.replace('"docs/*"', '"docs/*.pdf"'))
    result = invoke(["apply", str(manifest), "--report", str(tmp_path / "r.json")], env=remote_env)
    assert result.exit_code == 2
    assert "docs/*.pdf" in result.stderr and ":12:" in result.stderr, result.stderr
    assert len(emulator.requests) == 0
    assert not (tmp_path / "r.json").exists()


def test_a_file_name_that_is_not_utf8_exits_2_in_validate_plan_and_apply_and_sends_nothing(
        tmp_path, emulator, remote_env):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Invoice number: 1\n")
    (tmp_path / "docs" / __import__("os").fsdecode(b"lat\xe9.txt")).write_text("Invoice number: 2\n")
    manifest = write_manifest(tmp_path, MANIFEST)
    message = (f"{manifest}:12:17: steps[0].inputs.include[0]: pattern 'docs/*' matches a name that is not valid "
               "UTF-8: 'docs/lat\\xe9.txt' (hint: rename it to UTF-8, or exclude it)")
    for command in (["validate"], ["plan"], ["apply", "--report", str(tmp_path / "r.json")]):
        result = invoke([command[0], str(manifest), *command[1:]], env=remote_env)
        assert result.exit_code == 2, result.stderr
        assert message in result.stderr.splitlines(), result.stderr
    assert len(emulator.requests) == 0
    assert not (tmp_path / "r.json").exists()


@pytest.mark.skipif(not SHARED_INVOICES.is_dir(), reason="../shared/data/invoices is not beside the repo")
def test_real_invoices_all_processed(tmp_path, emulator, remote_env):
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in SHARED_INVOICES.iterdir():
        if path.suffix in (".pdf", ".txt"):
            shutil.copy(path, docs / path.name)
    manifest = write_manifest(tmp_path, MANIFEST)
    report_path = tmp_path / "report.json"
    result = invoke(["apply", str(manifest), "--report", str(report_path), *FAST], env=remote_env)
    assert result.exit_code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["summary"]["total"] == len(list(docs.iterdir()))
    assert {r["status"] for r in report["runs"]} == {"PROCESSED"}


def test_python_dash_m_runs_the_main_job_as_a_user_would(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "EXTEND_API_KEY"}
    proc = subprocess.run([sys.executable, "-m", "extendpipe", "apply", "pipelines/invoices.yaml",
                           "--report", str(tmp_path / "report.json"), "--state-dir", str(tmp_path / "state"),
                           "--poll-interval", "0.05"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "embedded Extend emulator" in proc.stderr
    assert proc.stdout == ""
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["succeeded"] == len(EXPECTED)
