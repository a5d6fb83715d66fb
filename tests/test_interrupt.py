"""Ctrl-C mid-apply: exit 130 fast, a valid report marked interrupted, and a rerun with no duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from extendpipe.client import ExtendClient, TransportConfig
from extendpipe.emulator import Emulator
from extendpipe.schemafiles import load_schema

REPO = Path(__file__).resolve().parent.parent
MANIFEST = """\
version: 1
name: interrupted
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {include: ["docs/*.txt"]}
"""


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def runs_per_path(url: str) -> Counter:
    with ExtendClient(TransportConfig(base_url=url, api_key="k")) as client:
        paths = Counter()
        for summary in client.iter_runs():
            run = client.get_run(summary["id"])
            paths[run["metadata"]["extendpipe"]["path"]] += 1
        return paths


def start_apply(folder: Path, url: str, report: str) -> subprocess.Popen:
    env = {**os.environ, "EXTEND_API_KEY": "k", "EXTEND_BASE_URL": url,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "extendpipe", "apply", "m.yaml", "--report", report,
                             "--concurrency", "4", "--poll-interval", "0.1"],
                            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_writes_the_report_and_a_rerun_finishes_without_duplicates(tmp_path, sig):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(50):
        (docs / f"note-{i:02d}.txt").write_text(f"Invoice number: N-{i}\nTotal: {i}.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    with Emulator(tmp_path / "emu.sqlite3", workers=2, processing_delay=0.05) as emu:
        creates = lambda: sum(1 for r in emu.requests if r.method == "POST" and r.path == "/workflow_runs")  # noqa: E731
        proc = start_apply(tmp_path, emu.url, "r1.json")
        try:
            wait_for(lambda: creates() >= 10, 30, "ten creates")
            sent_at = time.monotonic()
            proc.send_signal(sig)
            _, stderr = proc.communicate(timeout=10)
            elapsed = time.monotonic() - sent_at
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130, stderr
        assert elapsed < 2.0, f"took {elapsed:.2f} s to stop"
        assert "Traceback" not in stderr
        report = json.loads((tmp_path / "r1.json").read_text())
        assert list(Draft202012Validator(load_schema("report")).iter_errors(report)) == []
        assert report["interrupted"] is True and report["exitCode"] == 130
        assert report["summary"]["total"] == 50
        in_flight = [r for r in report["runs"] if r["runId"]]
        assert in_flight, "some runs were created before the interrupt"
        assert any(r["outcome"] == "not_submitted" for r in report["runs"])

        proc = start_apply(tmp_path, emu.url, "r2.json")
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        report = json.loads((tmp_path / "r2.json").read_text())
        assert report["summary"]["succeeded"] == 50
        per_path = runs_per_path(emu.url)
        assert len(per_path) == 50
        assert set(per_path.values()) == {1}, [p for p, n in per_path.items() if n > 1]


def test_a_create_in_flight_at_the_interrupt_is_reported_as_sent_without_an_answer(tmp_path, emulator,
                                                                                 monkeypatch):
    """The answer that comes after Ctrl-C (but before the report is written) cannot be journalled: the
    report must still say the create was sent, as the rerun (which finds the run) treats it."""
    import threading

    from click.testing import CliRunner

    from extendpipe.cli import cli
    from extendpipe.ledger import Ledger
    from extendpipe.progress import Progress

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b"):
        (docs / f"{name}.txt").write_text(f"Invoice number: {name}-1\nTotal: 1.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    emulator.faults.add(route="POST /workflow_runs", delay=0.3, after_commit=True, count=1)

    def tick(self):  # Ctrl-C once the first create is on its way (its answer comes 0.3 s later)
        if emulator.requests_matching("POST", "/workflow_runs"):
            raise KeyboardInterrupt

    real_close = Ledger.close

    def close_then_let_the_answer_come(self):
        real_close(self)
        wait_for(lambda: not [t for t in threading.enumerate() if t.name.startswith("extendpipe-submit")], 10,
                 "the create's answer to reach the worker")

    monkeypatch.setattr(Progress, "tick", tick)
    monkeypatch.setattr(Ledger, "close", close_then_let_the_answer_come)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    args = ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"), "--concurrency", "1",
            "--poll-interval", "0.05"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 130, result.stderr
    rows = {r["path"]: r for r in json.loads((tmp_path / "r.json").read_text())["runs"]}
    a = rows["docs/a.txt"]
    assert (a["outcome"], a["runId"], a["attempts"]) == ("not_submitted", None, 1)
    assert a["failureMessage"] == ("a create was sent but its answer never came; the run may exist: a rerun "
                                   "looks for it on the server before submitting again")
    assert (rows["docs/b.txt"]["attempts"], rows["docs/b.txt"]["failureMessage"]) == (0, None)

    monkeypatch.undo()
    result = CliRunner().invoke(cli, args, env=env)  # the rerun finds a's run: one run per file
    assert result.exit_code == 0, result.stderr
    assert len(emulator.requests_matching("POST", "/workflow_runs")) == 2


# A signal sent to the process itself at a chosen instant: during the imports before the CLI runs
# (about 70 ms of a real start), or while `plan` loads its manifest (outside any command's own handling).
SIGNAL_AT_IMPORT = """
import builtins, os, signal, sys
import extendpipe.__main__ as entry
real_import = builtins.__import__
def importing(name, *args, **kwargs):
    if name == "extendpipe.cli":
        os.kill(os.getpid(), signal.{sig})
    return real_import(name, *args, **kwargs)
builtins.__import__ = importing
sys.argv = ["extendpipe", "--help"]
entry.main()
"""
SIGNAL_AT_LOAD = """
import os, signal, sys
import extendpipe.__main__ as entry
import extendpipe.manifest as manifest
real_load = manifest.load_manifest
def loading(*args, **kwargs):
    os.kill(os.getpid(), signal.{sig})
    return real_load(*args, **kwargs)
manifest.load_manifest = loading
sys.argv = ["extendpipe", "plan", "m.yaml"]
entry.main()
"""


@pytest.mark.parametrize("moment", [SIGNAL_AT_IMPORT, SIGNAL_AT_LOAD], ids=["importing", "loading"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupt_at_any_moment_exits_130_without_a_traceback(tmp_path, moment, sig):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", moment.format(sig=sig)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, "interrupted\n", "")
