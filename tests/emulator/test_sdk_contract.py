"""Contract: the official SDK extend-ai 0.2.0 drives the emulator, and strict pydantic validation of
the SDK's own types accepts every response body."""

from __future__ import annotations

import httpx
import pytest
from emulator_helpers import INVOICE_TEXT

extend_ai = pytest.importorskip("extend_ai")
from extend_ai import Extend  # noqa: E402
from extend_ai.types import File, WorkflowRun, WorkflowRunSummary  # noqa: E402


@pytest.fixture
def sdk(emulator):
    with httpx.Client(timeout=30) as http:
        yield Extend(token="test-key", base_url=emulator.url, httpx_client=http)


def test_sdk_round_trip(emulator, api, sdk):
    uploaded = sdk.file.upload(file=("acme.txt", INVOICE_TEXT.encode(), "text/plain"))
    assert uploaded.success and uploaded.file.id.startswith("file_") and uploaded.file.type == "TXT"
    created = sdk.workflow_run.create(
        workflow_id="workflow_sdk",
        files=[{"fileId": uploaded.file.id}],
        priority=10,
        metadata={"source": "sdk"},
    )
    run = created.workflow_runs[0]
    assert (
        run.status == "PENDING" and run.metadata == {"source": "sdk"} and run.files[0].id == uploaded.file.id
    )
    assert emulator.wait_idle(10)
    got = sdk.workflow_run.get(run.id).workflow_run
    assert got.status == "PROCESSED" and got.workflow.id == "workflow_sdk" and got.reviewed is False
    assert got.outputs[0].output.value["invoice_number"] == "INV-2024-001"
    assert got.initial_run_at is not None and got.start_time is not None and got.end_time is not None

    updated = sdk.workflow_run.update(run.id, metadata={"extra": True}).workflow_run
    assert updated.metadata == {"source": "sdk", "extra": True}

    listed = sdk.workflow_run.list(max_page_size=1)
    assert len(listed.workflow_runs) == 1 and listed.next_page_token is None
    assert listed.workflow_runs[0].workflow_id == "workflow_sdk"

    file = sdk.file.get(uploaded.file.id, raw_text=True).file
    assert "INV-2024-001" in file.contents.raw_text

    deleted = sdk.workflow_run.delete(run.id)
    assert deleted.success and deleted.workflow_run_id == run.id


def test_sdk_batch(emulator, api, sdk):
    answer = sdk.batch_workflow_run.create(
        workflow_id="workflow_sdk",
        inputs=[{"rawText": "Invoice number: 1", "metadata": {"i": 1}}, {"rawText": "Invoice number: 2"}],
    )
    assert answer.success and answer.batch_id.startswith("batch_")
    assert emulator.wait_idle(10)
    listed = sdk.workflow_run.list(batch_id=answer.batch_id)
    assert len(listed.workflow_runs) == 2 and {r.status for r in listed.workflow_runs} == {"PROCESSED"}


def test_sdk_pagination_encodes_tokens(api, sdk):
    api.create(workflowId="workflow_sdk", rawTexts=[f"text {i}" for i in range(7)])
    seen, token = [], None
    while True:
        page = sdk.workflow_run.list(max_page_size=3, next_page_token=token, sort_by="createdAt")
        seen += [r.id for r in page.workflow_runs]
        token = page.next_page_token
        if token is None:
            break
        assert "+" in token and "/" in token and "=" in token
    assert len(seen) == len(set(seen)) == 7


def test_sdk_cancel_and_errors(api, sdk, tmp_path):
    from extend_ai.errors import BadRequestError, NotFoundError

    run = api.create(workflowId="workflow_sdk", rawTexts=["x"])[0]
    api.wait_status(run["id"], {"PROCESSED"})
    with pytest.raises(BadRequestError) as excinfo:
        sdk.workflow_run.cancel(run["id"])
    assert excinfo.value.body["success"] is False
    with pytest.raises(NotFoundError):
        sdk.workflow_run.get("workflow_run_missing")


def test_strict_validation_of_raw_bodies(emulator, api):
    """The SDK parses leniently: validate raw bodies strictly against its types (required keys present)."""
    file = api.upload("a.txt", INVOICE_TEXT.encode())
    File.model_validate(file)
    runs = api.create(workflowId="workflow_x", files=[{"fileId": file["id"]}])
    WorkflowRun.model_validate(runs[0])
    failed = api.create(workflowId="workflow_x", rawTexts=[""])[0]
    assert emulator.wait_idle(10)
    WorkflowRun.model_validate(api.get_run(runs[0]["id"]))
    failed_run = WorkflowRun.model_validate(api.get_run(failed["id"]))
    assert failed_run.status == "FAILED" and failed_run.failure_reason == "EMPTY_DOCUMENT"
    _, body, _ = api.call("GET", "/workflow_runs")
    for summary in body["workflowRuns"]:
        WorkflowRunSummary.model_validate(summary)
