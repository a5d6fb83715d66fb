"""The official SDK (extend-ai 0.2.0) and ExtendClient read the same runs and agree field by field."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from client_helpers import KEY, invoice

from extendpipe.client import ExtendClient, TransportConfig

extend_ai = pytest.importorskip("extend_ai")
from extend_ai import Extend  # noqa: E402


def when(value):
    """An RFC 3339 string (ours) or a datetime (the SDK's) as an aware datetime; None stays None."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def sdk(emulator):
    with httpx.Client(timeout=30) as http:
        yield Extend(token=KEY, base_url=emulator.url, httpx_client=http)


@pytest.fixture
def runs(emulator, tmp_path):
    """A mix of runs: uploaded files, raw texts, a forced failure, a review, an updated one, a batch."""
    emulator.faults.force_outcome("FAILED", count=1, name_contains="broken", failure_reason="CORRUPT_FILE",
                                  failure_message="The file is damaged.")
    emulator.faults.force_outcome("NEEDS_REVIEW", count=1, name_contains="review")
    with ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY)) as client:
        made = []
        for name in ("acme.txt", "broken.txt", "review.txt"):
            (tmp_path / name).write_text(invoice(len(made) + 1))
            uploaded = client.upload_file(tmp_path / name)
            made += client.create_runs("workflow_sdk", files=[{"fileId": uploaded["id"], "fileName": name}],
                                       version="draft", priority=10, metadata={"source": name, "n": len(made)})
        made += client.create_runs("workflow_other", raw_texts=[invoice(7), "no invoice here"],
                                   metadata={"nested": {"a": [1, 2]}})
        assert emulator.wait_idle(10)
        client.update_run(made[0]["id"], name="renamed.txt", metadata={"extra": True})
        yield [r["id"] for r in made]


def test_get_agrees_field_by_field(emulator, runs, sdk):
    with_outputs = 0
    with ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY)) as client:
        for run_id in runs:
            ours = client.get_run(run_id)
            theirs = sdk.workflow_run.get(run_id).workflow_run
            assert theirs.id == ours["id"] == run_id
            assert theirs.name == ours["name"]
            assert theirs.status == ours["status"]
            assert theirs.metadata == ours["metadata"]
            assert (theirs.workflow.id, theirs.workflow.name, theirs.workflow.version) == (
                ours["workflow"]["id"], ours["workflow"]["name"], ours["workflow"]["version"])
            assert [(f.id, f.name, f.type) for f in theirs.files] == [
                (f["id"], f["name"], f.get("type")) for f in ours["files"]]
            assert theirs.failure_reason == ours.get("failureReason")
            assert theirs.failure_message == ours.get("failureMessage")
            assert theirs.reviewed == ours["reviewed"]
            for field in ("initialRunAt", "startTime", "endTime", "reviewedAt"):
                sdk_field = {"initialRunAt": "initial_run_at", "startTime": "start_time",
                             "endTime": "end_time", "reviewedAt": "reviewed_at"}[field]
                assert getattr(theirs, sdk_field) == when(ours.get(field)), field
            assert len(theirs.outputs) == len(ours["outputs"])
            for sdk_output, our_output in zip(theirs.outputs, ours["outputs"]):
                assert sdk_output.id == our_output["id"]
                assert sdk_output.processor_id == our_output["processorId"]
                assert sdk_output.status == our_output["status"]
                assert sdk_output.output.value == our_output["output"]["value"]
                with_outputs += 1
    assert with_outputs >= 3


def test_list_agrees_field_by_field(emulator, runs, sdk):
    with ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY)) as client:
        ours = list(client.iter_runs(max_page_size=2, sort_by="createdAt", sort_dir="asc"))
    theirs, token = [], None
    while True:
        page = sdk.workflow_run.list(max_page_size=2, sort_by="createdAt", sort_dir="asc", next_page_token=token)
        theirs += page.workflow_runs
        token = page.next_page_token
        if token is None:
            break
    assert [s.id for s in theirs] == [o["id"] for o in ours] == runs
    for sdk_summary, our_summary in zip(theirs, ours):
        assert sdk_summary.status == our_summary["status"]
        assert sdk_summary.workflow_id == our_summary["workflowId"]
        assert sdk_summary.workflow_name == our_summary["workflowName"]
        assert sdk_summary.workflow_version_id == our_summary["workflowVersionId"]
        assert sdk_summary.batch_id == our_summary.get("batchId")
        for ours_key, sdk_key in (("createdAt", "created_at"), ("updatedAt", "updated_at"),
                                  ("initialRunAt", "initial_run_at"), ("startTime", "start_time"),
                                  ("endTime", "end_time")):
            assert getattr(sdk_summary, sdk_key) == when(our_summary.get(ours_key)), ours_key


def test_statuses_and_filters_agree(emulator, runs, sdk):
    with ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY)) as client:
        for status in ("PROCESSED", "FAILED", "NEEDS_REVIEW"):
            ours = [r["id"] for r in client.iter_runs(status=status)]
            theirs = [r.id for r in sdk.workflow_run.list(status=status, max_page_size=1000).workflow_runs]
            assert ours == theirs and ours, status
        ours = [r["id"] for r in client.iter_runs(workflow_id="workflow_other")]
        theirs = [r.id for r in sdk.workflow_run.list(workflow_id="workflow_other").workflow_runs]
        assert ours == theirs and len(ours) == 2
