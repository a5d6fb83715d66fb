"""A state folder that cannot be written (a full disk): its own error naming the folder, exit 2, and
the report (written elsewhere) still says which runs were sent. Never "cannot read <file>", never 70.

The disk is full by simulation: the journal's file, or the embedded emulator's SQLite store, fails
its writes with the errors a full disk gives.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

import extendpipe.ledger as ledger_module
from extendpipe.cli import cli
from extendpipe.emulator.store import Store
from extendpipe.ledger import ledger_name

MANIFEST = """\
version: 1
name: full
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {include: ["docs/*.txt"]}
"""
HINT = "(hint: free some space on its disk, or pass --state-dir with a folder elsewhere"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs").mkdir()
    for name in "abcd":
        (tmp_path / "docs" / f"{name}.txt").write_text(f"Invoice number: {name}-1\nTotal: 10.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return tmp_path


def apply(project, env=None, *extra):
    result = CliRunner().invoke(cli, ["apply", str(project / "m.yaml"), "--state-dir", str(project / "state"),
                                      "--report", str(project / "r.json"), "--concurrency", "1",
                                      "--poll-interval", "0.05", "--wait-timeout", "20s", *extra], env=env)
    report = json.loads((project / "r.json").read_text()) if (project / "r.json").exists() else None
    return result, report


class FullDisk:
    """The journal's file on a disk that fills after `writes` writes (or that fails on close)."""

    def __init__(self, fh, budget: list, fail_close: bool):
        self._fh, self._budget, self._fail_close = fh, budget, fail_close

    def write(self, data):
        if self._budget[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._budget[0] -= 1
        return self._fh.write(data)

    def close(self):
        self._fh.close()
        if self._fail_close:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._fh, name)


def fill_the_journal(monkeypatch, writes: int, fail_close: bool = False) -> None:
    budget = [writes]

    def full_open(path, mode="r", *args, **kwargs):
        fh = open(path, mode, *args, **kwargs)
        return FullDisk(fh, budget, fail_close) if "a" in mode else fh

    monkeypatch.setattr(ledger_module, "open", full_open, raising=False)


# Each file journals its upload, its create's intent, then the create's answer. The runs stay PENDING
# (the emulator is paused), so no status line comes between: the 4th write is b's upload (which was
# reported as "cannot read docs/b.txt"), the 6th b's answer (the run was made: the report says so).
@pytest.mark.parametrize("writes, sent", [(3, ["docs/a.txt"]), (5, ["docs/a.txt", "docs/b.txt"])],
                         ids=["upload-record", "create-answer"])
def test_a_journal_that_cannot_be_written_stops_apply_with_exit_2_and_the_report_shows_what_was_sent(
        project, emulator, monkeypatch, writes, sent):
    emulator.pause()
    fill_the_journal(monkeypatch, writes=writes)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 2, result.stderr
    message = (f"{project / 'state'}: cannot write the journal {ledger_name(emulator.url)} in this state "
               f"folder: No space left on device {HINT}; a rerun finds the runs this apply sent)")
    assert f"  stopped: {message}\n" in result.stderr
    assert "cannot read" not in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert report["exitCode"] == 2 and report["error"] == message
    rows = {r["path"]: r for r in report["runs"]}
    assert [p for p, r in rows.items() if r["runId"]] == sent
    assert {p: r["outcome"] for p, r in rows.items() if r["outcome"] != "not_submitted"} == dict.fromkeys(
        sent, "submitted")
    assert all(r["failureMessage"] is None for r in rows.values())
    assert len(emulator.requests_matching("POST", "/workflow_runs")) == len(sent)  # nothing sent unjournalled


def test_a_journal_that_fails_to_close_is_reported_too(project, emulator, monkeypatch):
    fill_the_journal(monkeypatch, writes=1000, fail_close=True)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert report["error"].startswith(f"{project / 'state'}: cannot write the journal ")
    assert report["summary"]["succeeded"] == 4


def test_an_embedded_store_that_cannot_be_written_at_start_is_exit_2_naming_the_state_folder(
        project, monkeypatch):
    def full(self):
        raise sqlite3.OperationalError("disk I/O error")  # what SQLite says opening the WAL on a full tmpfs

    monkeypatch.setattr(Store, "keep_open", full)
    result, report = apply(project)
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (f"error: {project / 'state'}: the emulator's store emulator.sqlite3 cannot be "
                             f"written there: disk I/O error {HINT})\n")
    assert report is None  # nothing was sent


def test_an_embedded_store_that_fills_up_stops_apply_with_exit_2_naming_the_state_folder(project, monkeypatch):
    full = threading.Event()
    real_tx, real_insert = Store._tx, Store.insert_runs
    creates = []

    @contextmanager
    def tx(self, write=False):
        with real_tx(self, write) as conn:
            if write and full.is_set():
                raise sqlite3.OperationalError("database or disk is full")
            yield conn

    def insert_runs(self, runs, files=()):
        creates.append(runs)
        if len(creates) > 2:
            full.set()  # the third create finds the disk full, and so does every write after it
        return real_insert(self, runs, files)

    monkeypatch.setattr(Store, "_tx", tx)
    monkeypatch.setattr(Store, "insert_runs", insert_runs)
    result, report = apply(project)
    assert result.exit_code == 2, result.stderr
    message = (f"{project / 'state'}: the emulator's store emulator.sqlite3 cannot be written there: "
               f"database or disk is full {HINT})")
    assert f"  stopped: {message}\n" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert report["exitCode"] == 2 and report["error"] == message
    assert sum(1 for r in report["runs"] if r["runId"]) == 2


def test_when_the_report_cannot_be_written_either_the_error_says_both(project, emulator, monkeypatch):
    import extendpipe.apply as apply_module
    from extendpipe.errors import InputError

    def report_on_the_full_disk(path, report):
        raise InputError(f"{path}: could not write the report: No space left on device")

    emulator.pause()
    fill_the_journal(monkeypatch, writes=3)
    monkeypatch.setattr(apply_module, "write_report", report_on_the_full_disk)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result, report = apply(project, env)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.endswith(
        f"error: {project / 'state'}: cannot write the journal {ledger_name(emulator.url)} in this state folder: "
        f"No space left on device {HINT}; a rerun finds the runs this apply sent); nor could the report be "
        f"written: {project / 'r.json'}: could not write the report: No space left on device\n")
