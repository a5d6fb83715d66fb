"""Exit codes as DESIGN.md's table, each outcome driven for real against the emulator."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli

MANIFEST = """\
version: 1
name: outcomes
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {include: ["docs/*.txt"]}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs").mkdir()
    for name in ("a", "b", "c", "d"):
        (tmp_path / "docs" / f"{name}.txt").write_text(f"Invoice number: {name}-1\nTotal: 10.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return tmp_path


def apply(project, env, *extra):
    result = CliRunner().invoke(cli, ["apply", str(project / "m.yaml"), "--report", str(project / "r.json"),
                                      "--poll-interval", "0.05", *extra], env=env)
    report = json.loads((project / "r.json").read_text()) if (project / "r.json").exists() else None
    return result, report


def test_mixed_outcomes_exit_1_with_a_count_of_each(project, emulator):
    emulator.pause()
    for status, name in (("FAILED", "b.txt"), ("REJECTED", "c.txt"), ("NEEDS_REVIEW", "d.txt")):
        emulator.faults.force_outcome(status, count=1, name_contains=name)
    emulator.resume()
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 1, result.stderr
    assert report["summary"]["byStatus"] == {"FAILED": 1, "NEEDS_REVIEW": 1, "PROCESSED": 1, "REJECTED": 1}
    assert "outcomes: 4 run(s), 1 succeeded, 3 did not" in result.stderr
    assert "status:  FAILED 1, NEEDS_REVIEW 1, PROCESSED 1, REJECTED 1" in result.stderr


def test_allow_needs_review_counts_it_as_success(project, emulator):
    emulator.faults.force_outcome("NEEDS_REVIEW", count=4)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 1
    result, report = apply(project, env, "--allow-needs-review")
    assert result.exit_code == 0, result.stderr
    assert report["summary"]["succeeded"] == 4


def test_an_auth_failure_exits_3_after_one_request(project, emulator):
    env = {"EXTEND_API_KEY": "wrong-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 3, result.stderr
    assert len(emulator.requests) == 1
    assert "401" in result.stderr and "EXTEND_API_KEY" in result.stderr
    assert "wrong-key" not in result.stderr
    assert report["exitCode"] == 3 and report["error"]


def test_a_run_that_never_finishes_times_out_with_exit_1(project, emulator):
    emulator.faults.force_outcome("STUCK", count=1, name_contains="a.txt")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env, "--wait-timeout", "1s")
    assert result.exit_code == 1, result.stderr
    rows = {r["path"]: r for r in report["runs"]}
    assert rows["docs/a.txt"]["outcome"] == "timed_out" and rows["docs/a.txt"]["runId"]
    assert {rows[f"docs/{n}.txt"]["status"] for n in "bcd"} == {"PROCESSED"}


def test_nothing_to_do_exits_0(project, emulator):
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    assert apply(project, env)[0].exit_code == 0
    emulator.requests.clear()
    result, report = apply(project, env)
    assert result.exit_code == 0
    assert [r for r in emulator.requests if r.method == "POST"] == []


def test_a_key_ending_in_a_newline_works(project, emulator):
    env = {"EXTEND_API_KEY": "test-key\n", "EXTEND_BASE_URL": emulator.url}  # as CI secrets and .env files often are
    result, report = apply(project, env)
    assert result.exit_code == 0, result.stderr


def test_the_wait_timeout_holds_when_the_poll_interval_is_longer(project, emulator):
    import time

    emulator.faults.force_outcome("STUCK", count=1, name_contains="a.txt")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    started = time.monotonic()
    result, report = apply(project, env, "--wait-timeout", "1s", "--poll-interval", "60s")
    assert result.exit_code == 1, result.stderr
    assert time.monotonic() - started < 15  # not the 60 s until the next sweep
    rows = {r["path"]: r for r in report["runs"]}
    assert rows["docs/a.txt"]["outcome"] == "timed_out"


def test_a_create_refused_with_too_long_a_wait_is_not_reported_as_unanswered(project, emulator):
    emulator.faults.add(route="POST /workflow_runs", status=429, retry_after=120, count=1)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env, "--concurrency", "1", "--max-retry-wait", "5")
    assert result.exit_code == 3, result.stderr
    assert "asked to wait 120 s (limit 5 s)" in result.stderr
    assert "answer never came" not in result.stderr + json.dumps(report)
    assert [r.status for r in emulator.requests if (r.method, r.path) == ("POST", "/workflow_runs")] == [429]
    # The journal says nothing was made: the rerun submits every file without looking for it first.
    result, report = apply(project, env)
    assert result.exit_code == 0, result.stderr
    assert report["requests"].get("reconcileLookups", 0) == 0
    assert sorted(r["path"] for r in report["runs"] if r["outcome"] == "submitted") == [
        f"docs/{n}.txt" for n in "abcd"]
