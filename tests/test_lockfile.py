"""The lock file: recorded from the runs, sent on later applies, enforced by --locked, moved by --upgrade."""

from __future__ import annotations

import json

from click.testing import CliRunner

from extendpipe.cli import cli

MANIFEST = """\
version: 1
name: locking
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {raw_texts: ["Invoice number: L-1"]}
  - name: pinned
    workflow: workflow_notes
    version: draft
    inputs: {raw_texts: ["Invoice number: L-2"]}
"""


def run(tmp_path, env, *args):
    return CliRunner().invoke(cli, [*args[:1], str(tmp_path / "m.yaml"), *args[1:]], env=env)


def test_lock_is_recorded_sent_enforced_and_upgraded(tmp_path, emulator):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    locked = run(tmp_path, env, "apply", "--locked", "--report", str(tmp_path / "r0.json"))
    assert locked.exit_code == 2
    assert "no locked version for step(s) notes" in locked.stderr
    assert emulator.requests_matching("POST", "/workflow_runs") == []

    first = run(tmp_path, env, "apply", "--report", str(tmp_path / "r1.json"), "--poll-interval", "0.05")
    assert first.exit_code == 0, first.stderr
    lock = json.loads((tmp_path / "m.lock").read_text())
    assert set(lock["steps"]) == {"notes"}  # the pinned step needs no entry
    version = lock["steps"]["notes"]["version"]
    sent = [r.json for r in emulator.requests_matching("POST", "/workflow_runs")]
    assert [b.get("version") for b in sent if b["metadata"]["extendpipe"]["step"] == "notes"] == [None]

    (tmp_path / "m.yaml").write_text(MANIFEST.replace("L-1", "L-1 changed"))
    emulator.requests.clear()
    second = run(tmp_path, env, "apply", "--locked", "--report", str(tmp_path / "r2.json"), "--poll-interval", "0.05")
    assert second.exit_code == 0, second.stderr
    sent = [r.json for r in emulator.requests_matching("POST", "/workflow_runs")]
    assert [b["version"] for b in sent] == [version]

    shown = run(tmp_path, env, "lock")
    assert f"notes: workflow_notes version {version} (locked)" in shown.stdout
    assert "pinned: workflow_notes version draft (pinned in the manifest)" in shown.stdout
    upgraded = run(tmp_path, env, "lock", "--upgrade")
    assert upgraded.exit_code == 0 and not (tmp_path / "m.lock").exists()
