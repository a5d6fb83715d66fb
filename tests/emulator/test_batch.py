"""POST /workflow_runs/batch."""

from __future__ import annotations

import pytest


def test_batch_creates_runs_with_batch_id_and_priority(emulator, api):
    file = api.upload("a.txt", b"Invoice number: 11\nTotal: 5.00 EUR")
    status, body, _ = api.call(
        "POST",
        "/workflow_runs/batch",
        {
            "workflowId": "workflow_a",
            "inputs": [
                {"file": {"fileId": file["id"]}, "metadata": {"row": 1}},
                {"rawText": "Invoice number: 12", "metadata": {"row": 2}},
            ],
        },
    )
    assert status == 200 and set(body) == {"success", "batchId"} and body["batchId"].startswith("batch_")
    assert emulator.wait_idle(10)
    _, listed, _ = api.call("GET", "/workflow_runs", query={"batchId": body["batchId"]})
    runs = [api.get_run(r["id"]) for r in listed["workflowRuns"]]
    assert sorted(r["metadata"]["row"] for r in runs) == [1, 2]
    assert {r["batchId"] for r in runs} == {body["batchId"]} and {r["status"] for r in runs} == {"PROCESSED"}
    assert emulator.store.get_run(runs[0]["id"])["priority"] == 90


@pytest.mark.parametrize(
    "inputs, message",
    [
        ([], "inputs must be a non-empty array"),
        ([{"rawText": "x"}] * 1001, "inputs holds 1001 items; at most 1000 are allowed"),
        ([{"rawText": "x", "file": {"fileId": "f"}}], "inputs[0] must have exactly one of file and rawText"),
        ([{"file": {"fileId": "file_missing"}}], "inputs[0].file.fileId: file file_missing not found"),
    ],
)
def test_batch_validation(api, inputs, message):
    status, body, _ = api.call("POST", "/workflow_runs/batch", {"workflowId": "workflow_a", "inputs": inputs})
    assert (status, body) == (400, {"success": False, "error": message})
    assert api.call("GET", "/workflow_runs")[1]["workflowRuns"] == []
