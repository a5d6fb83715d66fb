"""What CI sees: annotations for manifest errors, the step summary, JUnit, one JSON document on stdout."""

from __future__ import annotations

import json

from click.testing import CliRunner

from extendpipe.cli import cli

BROKEN = """\
version: 1
name: demo
steps:
  - name: a
    workflow: workflow_a
    metdata: {x: 1}
    inputs: {raw_texts: ["Invoice 1"]}
"""
GOOD = BROKEN.replace("metdata", "metadata")


def test_validate_in_github_actions_prints_annotations(tmp_path, monkeypatch):
    (tmp_path / "m.yaml").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "m.yaml"], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "m.yaml:6:5: steps[0]: unexpected key 'metdata' (hint: did you mean 'metadata'?)",
        "::error file=m.yaml,line=6,col=5,title=extendpipe validate::steps[0]: unexpected key 'metdata' "
        "(hint: did you mean 'metadata'?)",
        "1 problem(s) in 1 file(s)"]


def test_apply_writes_step_summary_junit_and_one_json_document(tmp_path, emulator):
    (tmp_path / "m.yaml").write_text(GOOD)
    emulator.faults.add(route="POST /workflow_runs", status=429, count=2, retry_after=1)  # retries happen
    summary = tmp_path / "summary.md"
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url, "GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--json", "--junit", str(tmp_path / "j.xml"),
                                      "--report", str(tmp_path / "r.json"), "--poll-interval", "0.05"], env=env)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)  # exactly one document: json.loads fails on trailing text
    assert doc == json.loads((tmp_path / "r.json").read_text())
    assert "demo" in summary.read_text() and "PROCESSED" in summary.read_text()
    assert b'tests="1" failures="0"' in (tmp_path / "j.xml").read_bytes()
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert doc["requests"]["http429"] == 2 and doc["runs"][0]["attempts"] == 1


def test_runs_without_a_key_needs_the_embedded_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["runs", "list"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: .extendpipe: no embedded emulator store here (hint: pass --state-dir with the folder beside "
        "your manifest, e.g. --state-dir pipelines/.extendpipe, or set EXTEND_API_KEY for the Extend API)"]
    assert not (tmp_path / ".extendpipe").exists()


def test_control_characters_from_names_and_servers_never_reach_the_log(tmp_path, emulator):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "evil\r\x1b[31mred.txt").write_text("Invoice number: 1\n")
    (tmp_path / "m.yaml").write_text(GOOD.replace('raw_texts: ["Invoice 1"]', 'include: ["docs/*.txt"]')
                                     .replace("metadata: {x: 1}", "metadata: {x: 1}"))
    emulator.faults.force_outcome("FAILED", count=1, failure_message="bad\n::error::injected\x1b[2J")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url, "GITHUB_ACTIONS": "true"}
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"),
                                      "--poll-interval", "0.05"], env=env)
    assert result.exit_code == 1, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert not any(line.startswith("::error::injected") for line in result.stderr.splitlines())
    assert "evil\\r\\x1b[31mred.txt" in result.stderr


def test_run_ids_are_one_path_segment(emulator):
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, ["runs", "get", "../files"], env=env)
    assert result.exit_code == 1
    assert len(emulator.requests) == 1 and emulator.requests[0].path.startswith("/workflow_runs/")
    assert "error: GET /workflow_runs/..%2Ffiles: 404" in result.stderr  # sent as one encoded segment


def test_a_missing_dependency_is_one_clear_line(monkeypatch, capsys):
    import pytest

    import extendpipe.__main__ as entry

    monkeypatch.setitem(entry.REQUIRED, "extendpipe_no_such_module", "no-such-package")
    with pytest.raises(SystemExit) as stopped:
        entry.main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "extendpipe: missing dependencies: no-such-package (hint: install extendpipe with pip, e.g. "
        "`pip install .` in its folder, or `pip install no-such-package`)\n")
