"""Reruns are safe and cheap: nothing processed is paid for twice; plans name exactly what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "pipelines" / "samples" / "invoices"

MANIFEST = """\
version: 1
name: reruns
steps:
  - name: pdfs
    workflow: workflow_pdfs
    metadata: {batch: "${BATCH:-one}"}
    inputs:
      include: ["docs/*.pdf"]
  - name: texts
    workflow: workflow_texts
    inputs:
      include: ["docs/*.txt"]
"""
VOLATILE = {"startedAt", "finishedAt", "durationSeconds", "submittedAt", "requests"}


@pytest.fixture
def project(tmp_path, emulator):
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in sorted(SAMPLES.iterdir())[:6]:
        shutil.copy(path, docs / path.name)
    (tmp_path / "pipeline.yaml").write_text(MANIFEST)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    return tmp_path, env


def run_cli(args, env):
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result


def apply(project, report_name, *extra, env_extra=None):
    folder, env = project
    env = {**env, **(env_extra or {})}
    result = run_cli(["apply", str(folder / "pipeline.yaml"), "--report", str(folder / report_name),
                      "--poll-interval", "0.05", *extra], env)
    return result, json.loads((folder / report_name).read_text())


def plan(project, *extra, env_extra=None):
    folder, env = project
    result = run_cli(["plan", str(folder / "pipeline.yaml"), "--json", *extra], {**env, **(env_extra or {})})
    assert result.exit_code in (0, 4), result.stderr
    return json.loads(result.stdout)


def creates(emulator):
    return [r for r in emulator.requests if r.method == "POST" and r.path == "/workflow_runs"]


def posts(emulator):
    return [r for r in emulator.requests if r.method == "POST"]


def strip(report: dict) -> dict:
    """The report without what differs by design between two applies of the same commit."""
    doc = {k: v for k, v in report.items() if k not in VOLATILE}
    doc["summary"] = {k: v for k, v in doc["summary"].items() if k != "byOutcome"}
    doc["runs"] = [{k: v for k, v in row.items() if k not in VOLATILE | {"outcome", "attempts", "startedAt"}}
                   for row in report["runs"]]
    return doc


def test_second_apply_submits_nothing_and_reports_the_same(project, emulator):
    first, report1 = apply(project, "r1.json")
    assert first.exit_code == 0, first.stderr
    assert len(creates(emulator)) == 6
    emulator.requests.clear()

    second, report2 = apply(project, "r2.json")
    assert second.exit_code == 0, second.stderr
    assert posts(emulator) == []
    assert {r["outcome"] for r in report2["runs"]} == {"reused"}
    assert strip(report2) == strip(report1)
    assert [r["runId"] for r in report2["runs"]] == [r["runId"] for r in report1["runs"]]


def test_changed_content_plans_and_submits_exactly_that_file(project, emulator):
    folder, _ = project
    apply(project, "r1.json")
    changed = sorted((folder / "docs").glob("*.txt"))[0]
    changed.write_text(changed.read_text() + "\nNote: amended copy\n")

    doc = plan(project, "--detailed-exitcode")
    actions = {(r["step"], r["path"]): r["action"] for r in doc["runs"]}
    assert [k for k, a in actions.items() if a != "reuse"] == [("texts", f"docs/{changed.name}")]
    assert doc["runs"][[r["path"] for r in doc["runs"]].index(f"docs/{changed.name}")]["reason"] == "changed"

    emulator.requests.clear()
    result, report = apply(project, "r2.json")
    assert result.exit_code == 0, result.stderr
    sent = creates(emulator)
    assert [r.json["files"][0]["fileName"] for r in sent] == [f"docs/{changed.name}"]
    outcomes = {r["path"]: r["outcome"] for r in report["runs"]}
    assert outcomes.pop(f"docs/{changed.name}") == "submitted"
    assert set(outcomes.values()) == {"reused"}


def test_changed_step_metadata_resubmits_exactly_that_steps_files(project, emulator):
    folder, _ = project
    apply(project, "r1.json")
    pdfs = sorted(f"docs/{p.name}" for p in (folder / "docs").glob("*.pdf"))
    doc = plan(project, env_extra={"BATCH": "two"})
    assert sorted(r["path"] for r in doc["runs"] if r["action"] == "submit") == pdfs
    emulator.requests.clear()
    result, _ = apply(project, "r2.json", env_extra={"BATCH": "two"})
    assert result.exit_code == 0, result.stderr
    assert sorted(r.json["files"][0]["fileName"] for r in creates(emulator)) == pdfs
    # Same file content: the earlier uploads are reused, only creates are sent.
    assert [r for r in posts(emulator) if r.path == "/files/upload"] == []


def test_without_a_ledger_the_server_is_reconciled_and_nothing_is_duplicated(project, emulator):
    folder, _ = project
    apply(project, "r1.json")
    shutil.rmtree(folder / ".extendpipe")
    emulator.requests.clear()
    result, report = apply(project, "r2.json")
    assert result.exit_code == 0, result.stderr
    assert posts(emulator) == []
    assert {r["outcome"] for r in report["runs"]} == {"reused"}
    assert report["summary"]["total"] == 6
    assert report["requests"]["reconcileLookups"] == 6
    assert report["requests"]["reconcileAdopted"] == 6
    # The cost is bounded: one list per workflow to see it has runs, then one list and one GET per file.
    assert report["requests"]["reconcileRequests"] == 2 + 6 * 2


def test_force_resubmits_everything(project, emulator):
    apply(project, "r1.json")
    emulator.requests.clear()
    result, report = apply(project, "r2.json", "--force")
    assert result.exit_code == 0
    assert len(creates(emulator)) == 6
    assert {r["outcome"] for r in report["runs"]} == {"submitted"}


def test_plan_detailed_exitcode(project):
    folder, env = project
    assert run_cli(["plan", str(folder / "pipeline.yaml"), "--detailed-exitcode"], env).exit_code == 4
    apply(project, "r1.json")
    assert run_cli(["plan", str(folder / "pipeline.yaml"), "--detailed-exitcode"], env).exit_code == 0


def test_a_state_folder_shared_by_two_servers_keeps_their_runs_apart(project, emulator, tmp_path_factory):
    from extendpipe.emulator import Emulator

    folder, env = project
    apply(project, "r1.json")
    with Emulator(tmp_path_factory.mktemp("other") / "e.sqlite3") as other:
        other_env = {**env, "EXTEND_BASE_URL": other.url}
        doc = plan(project, "--no-reconcile", env_extra=other_env)
        assert {r["action"] for r in doc["runs"]} == {"submit"}
        result = run_cli(["apply", str(folder / "pipeline.yaml"), "--report", str(folder / "r2.json"),
                          "--poll-interval", "0.05"], other_env)
        assert result.exit_code == 0, result.stderr
        assert len([r for r in other.requests if r.method == "POST" and r.path == "/workflow_runs"]) == 6
    assert {r["action"] for r in plan(project)["runs"]} == {"reuse"}  # the first server's journal is intact


def test_an_empty_ledger_left_by_an_early_stop_still_reconciles(project, emulator):
    folder, _ = project
    apply(project, "r1.json")
    shutil.rmtree(folder / ".extendpipe")
    (folder / ".extendpipe").mkdir()
    (folder / ".extendpipe" / Path(ledger_file(emulator.url)).name).write_bytes(b"")
    emulator.requests.clear()
    result, report = apply(project, "r2.json")
    assert result.exit_code == 0, result.stderr
    assert posts(emulator) == []
    assert {r["outcome"] for r in report["runs"]} == {"reused"}


def test_a_lost_create_is_looked_up_even_with_no_reconcile(project, emulator):
    # The create's answer is lost and the lookup fails too: the apply stops with the intent journalled.
    emulator.faults.add(route="POST /workflow_runs", drop=True, after_commit=True, count=1)
    emulator.faults.add(route="GET /workflow_runs", status=400, count=None)  # not retried: fails fast
    result, first = apply(project, "r1.json", "--no-reconcile", "--concurrency", "1")
    assert result.exit_code == 3, result.stderr
    (lost,) = [r for r in first["runs"] if r["attempts"] and not r["runId"]]
    assert lost["outcome"] == "not_submitted"
    assert lost["failureMessage"].startswith("a create was sent but its answer never came")
    emulator.faults.clear()
    result, report = apply(project, "r2.json", "--no-reconcile")
    assert result.exit_code == 0, result.stderr
    runs = server_runs(emulator)
    assert len(runs) == 6, "the run whose answer was lost was adopted, not created again"
    assert sorted(r["metadata"]["extendpipe"]["path"] for r in runs) == sorted(r["path"] for r in report["runs"])


def test_raw_texts_are_found_again_after_a_lost_answer(tmp_path, emulator):
    (tmp_path / "pipeline.yaml").write_text(
        "version: 1\nname: raw\nsteps:\n  - name: notes\n    workflow: workflow_notes\n"
        "    inputs: {raw_texts: [\"Invoice 1 total 10 USD\", \"Invoice 2 total 20 USD\"]}\n")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    emulator.faults.add(route="POST /workflow_runs", drop=True, after_commit=True, count=1)
    result, report = apply((tmp_path, env), "r1.json")
    assert result.exit_code == 0, result.stderr
    assert len(server_runs(emulator)) == 2
    emulator.requests.clear()
    result, report = apply((tmp_path, env), "r2.json")
    assert posts(emulator) == [] and {r["outcome"] for r in report["runs"]} == {"reused"}


def test_needs_review_is_read_again_not_resubmitted(project, emulator):
    emulator.faults.force_outcome("NEEDS_REVIEW", count=6)
    result, report = apply(project, "r1.json")
    assert result.exit_code == 1
    doc = plan(project)
    assert {r["action"] for r in doc["runs"]} == {"reuse"}
    emulator.requests.clear()
    result, report = apply(project, "r2.json")
    assert result.exit_code == 1
    assert posts(emulator) == []
    assert {r["status"] for r in report["runs"]} == {"NEEDS_REVIEW"}


def test_files_with_identical_bytes_are_separate_runs_reported_under_their_own_paths(tmp_path, emulator):
    (tmp_path / "docs").mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / "docs" / name).write_text("Invoice number: SAME-1\nTotal: 5.00 EUR\n")
    (tmp_path / "pipeline.yaml").write_text(MANIFEST.replace("docs/*.pdf", "docs/none*").replace(
        '      include: ["docs/none*"]\n', '      raw_texts: ["x"]\n'))
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    first = apply((tmp_path, env), "r1.json")[1]
    shutil.rmtree(tmp_path / ".extendpipe")  # and again through the server lookup
    second = apply((tmp_path, env), "r2.json")[1]
    for report in (first, second):
        rows = {r["path"]: r for r in report["runs"] if r["step"] == "texts"}
        assert len({r["runId"] for r in rows.values()}) == 3
        runs = {r["id"]: r for r in server_runs(emulator)}
        for path, row in rows.items():
            assert runs[row["runId"]]["metadata"]["extendpipe"]["path"] == path


def server_runs(emulator) -> list[dict]:
    from extendpipe.client import ExtendClient, TransportConfig

    with ExtendClient(TransportConfig(base_url=emulator.url, api_key="test-key")) as client:
        return [client.get_run(s["id"]) for s in client.iter_runs()]


def ledger_file(url: str) -> str:
    from extendpipe.ledger import ledger_name

    return ledger_name(url)


def test_a_saved_plan_is_applied_exactly_or_refused(project, emulator):
    folder, env = project
    result = run_cli(["plan", str(folder / "pipeline.yaml"), "-o", str(folder / "plan.json")], env)
    assert result.exit_code == 0, result.stderr
    saved = json.loads((folder / "plan.json").read_text())
    assert {r["action"] for r in saved["runs"]} == {"submit"} and len(saved["runs"]) == 6

    changed = sorted((folder / "docs").glob("*.txt"))[0]
    original = changed.read_bytes()
    changed.write_text("changed after the plan\n")
    refused = run_cli(["apply", str(folder / "plan.json"), "--report", str(folder / "r0.json")], env)
    assert refused.exit_code == 2
    differ = f"the saved plan no longer matches: 1 run(s) differ: texts {changed.relative_to(folder)} (files"
    assert differ in refused.stderr
    assert creates(emulator) == []

    changed.write_bytes(original)
    for edited_runs, differ in ((saved["runs"] + saved["runs"][:1], 1), (saved["runs"][:4] + ["x"], 3)):
        (folder / "edited.json").write_text(json.dumps({**saved, "runs": edited_runs}))
        refused = run_cli(["apply", str(folder / "edited.json"), "--report", str(folder / "r0.json")], env)
        assert refused.exit_code == 2, refused.stderr
        assert f"the saved plan no longer matches: {differ} run(s) differ" in refused.stderr
    assert creates(emulator) == []
    (folder / "reordered.json").write_text(json.dumps({**saved, "runs": saved["runs"][::-1]}))

    result = run_cli(["apply", str(folder / "reordered.json"), "--report", str(folder / "r1.json"),
                      "--poll-interval", "0.05"], env)
    assert result.exit_code == 0, result.stderr
    report = json.loads((folder / "r1.json").read_text())
    assert [(r["step"], r["path"], r["fingerprint"]) for r in report["runs"]] == [
        (r["step"], r["path"], r["fingerprint"]) for r in saved["runs"]]
    assert len(creates(emulator)) == 6


def test_the_state_folder_and_the_lock_file_are_never_inputs_so_the_plan_settles(tmp_path):
    """The embedded emulator's store (and its -wal/-shm), the ledger, apply.lock, the report and the
    manifest's lock file all appear beside the manifest; `**/*` with hidden names must not take them."""
    (tmp_path / "docs").mkdir()
    for name in ("a", "b"):
        (tmp_path / "docs" / f"{name}.txt").write_text(f"Invoice number: {name}-1\nTotal: 10.00 EUR\n")
    (tmp_path / "pipeline.yaml").write_text(
        "version: 1\nname: everything\nsteps:\n  - name: all\n    workflow: workflow_all\n    inputs:\n"
        '      include: ["**/*"]\n      exclude: ["*.yaml"]\n      include_hidden: true\n')
    manifest = str(tmp_path / "pipeline.yaml")
    result = run_cli(["apply", manifest, "--poll-interval", "0.05"], {})
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / ".extendpipe" / "reports" / "pipeline.json").read_text())
    assert [r["path"] for r in report["runs"]] == ["docs/a.txt", "docs/b.txt"]
    assert (tmp_path / "pipeline.lock").is_file() and (tmp_path / ".extendpipe" / "emulator.sqlite3").is_file()
    result = run_cli(["plan", manifest, "--json"], {})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"] == {"reuse": 2}
    result = run_cli(["validate", manifest], {})
    assert result.stderr == f"{manifest}: ok (1 step(s), 2 input(s))\n"
    state = tmp_path / "elsewhere"
    result = run_cli(["apply", manifest, "--poll-interval", "0.05", "--state-dir", str(state)], {})
    assert result.exit_code == 0, result.stderr
    result = run_cli(["plan", manifest, "--json", "--state-dir", str(state)], {})
    assert json.loads(result.stdout)["summary"] == {"reuse": 2}, result.stdout
