"""The ledger survives a torn last line and replays into what each fingerprint has."""

from __future__ import annotations

from extendpipe.ledger import Ledger


def test_replay_maps_fingerprints_to_runs_and_statuses(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.append({"t": "upload-intent", "sha256": "aa"})
        ledger.append({"t": "upload", "sha256": "aa", "fileId": "file_1"})
        ledger.append({"t": "create-intent", "fp": "fp1", "step": "s", "path": "a.pdf"})
        ledger.append({"t": "create", "fp": "fp1", "runId": "workflow_run_1", "status": "PENDING"})
        ledger.append({"t": "status", "runId": "workflow_run_1", "status": "PROCESSED"})
        ledger.append({"t": "create-intent", "fp": "fp2", "step": "s", "path": "b.pdf"})
    state = Ledger(tmp_path).load()
    assert state.existed and state.torn_lines == 0
    assert state.file_ids == {"aa": "file_1"}
    assert state.runs["fp1"].run_id == "workflow_run_1" and state.runs["fp1"].status == "PROCESSED"
    assert state.runs["fp2"].unanswered_create and state.runs["fp2"].run_id is None
    assert state.last_fingerprint == {("s", "a.pdf"): "fp1", ("s", "b.pdf"): "fp2"}


def test_a_torn_last_line_is_ignored_and_the_next_record_starts_clean(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.append({"t": "create-intent", "fp": "fp1", "step": "s", "path": "a"})
    with open(tmp_path / "ledger.jsonl", "ab") as fh:
        fh.write(b'{"t":"create","fp":"fp1","runId":"workflow_r')  # killed mid-write
    state = Ledger(tmp_path).load()
    assert state.torn_lines == 1 and state.runs["fp1"].unanswered_create
    with Ledger(tmp_path) as ledger:
        ledger.append({"t": "create", "fp": "fp1", "runId": "workflow_run_9"})
    state = Ledger(tmp_path).load()
    assert state.torn_lines == 1
    assert state.runs["fp1"].run_id == "workflow_run_9" and not state.runs["fp1"].unanswered_create


def test_no_ledger_is_an_empty_state(tmp_path):
    state = Ledger(tmp_path / "nothing").load()
    assert not state.existed and state.runs == {}
