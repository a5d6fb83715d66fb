"""An output file never lands on the manifest, an input document, the lock file, the state folder's
journal, store or lock, or another output (found by a hostile tester: each was overwritten, exit 0)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli

MANIFEST = """\
version: 1
name: p
steps:
  - name: t
    workflow: workflow_t
    inputs: {include: ["docs/*.txt"]}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(MANIFEST)
    (tmp_path / "docs").mkdir()
    for i in (1, 2):
        (tmp_path / "docs" / f"d{i}.txt").write_text(f"Invoice {i}\n")
    first = CliRunner().invoke(cli, ["apply", "p.yaml", "-q"], env={"EXTEND_API_KEY": None})
    assert first.exit_code == 0, first.stderr
    assert (tmp_path / "p.lock").exists() and (tmp_path / ".extendpipe" / "ledger.jsonl").exists()
    os.symlink("docs/d1.txt", tmp_path / "link.json")
    return tmp_path


STATE = "that is in the state folder {state} (its journal, store and lock live there)"


@pytest.mark.parametrize("args, path, message", [
    (["--report", "docs/d1.txt"], "docs/d1.txt", "that is the input document docs/d1.txt of step 't'"),
    (["--junit", "docs/d2.txt"], "docs/d2.txt", "that is the input document docs/d2.txt of step 't'"),
    (["--report", "link.json"], "docs/d1.txt", "that is the input document docs/d1.txt of step 't'"),
    (["--report", ".extendpipe/ledger.jsonl"], ".extendpipe/ledger.jsonl", STATE),
    (["--report", ".extendpipe/emulator.sqlite3"], ".extendpipe/emulator.sqlite3", STATE),
    (["--report", "p.lock"], "p.lock", "that is the manifest's lock file"),
    (["--report", "p.yaml"], "p.yaml", "that is the manifest"),
    (["--report", "r.json", "--junit", "r.json"], None, "that is also where the report goes"),
])
def test_apply_refuses_an_output_on_what_it_reads_or_keeps(project, args, path, message):
    before = (project / path).read_bytes() if path else None
    result = CliRunner().invoke(cli, ["apply", "p.yaml", "-q", *args], env={"EXTEND_API_KEY": None})
    assert result.exit_code == 2, result.stderr
    assert message.format(state=project / ".extendpipe") in result.stderr
    assert "(hint: write the " in result.stderr
    if path:
        assert (project / path).read_bytes() == before


@pytest.mark.parametrize("out, message", [
    ("docs/d2.txt", "that is the input document docs/d2.txt of step 't'"),
    (".extendpipe/ledger.jsonl", "that is in the state folder"),
])
def test_plan_refuses_an_output_on_what_apply_reads_or_keeps(project, out, message):
    before = (project / out).read_bytes()
    result = CliRunner().invoke(cli, ["plan", "p.yaml", "-o", out], env={"EXTEND_API_KEY": None})
    assert result.exit_code == 2, result.stderr
    assert f"error: {out}: {message}" in result.stderr
    assert (project / out).read_bytes() == before


def test_outputs_elsewhere_and_the_default_report_are_fine(project):
    result = CliRunner().invoke(cli, ["apply", "p.yaml", "-q", "--report", ".extendpipe/reports/other.json"],
                                env={"EXTEND_API_KEY": None})
    assert result.exit_code == 0, result.stderr
    assert (project / ".extendpipe" / "reports" / "other.json").exists()
