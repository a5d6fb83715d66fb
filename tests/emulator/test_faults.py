"""Fault injection: injected statuses, Retry-After, dropped connections before/after commit, slow
answers, forced run outcomes, and the HTTP control API."""

from __future__ import annotations

import time

import pytest
import urllib3

import extendpipe.constants as constants


def test_injected_429_with_retry_after_then_normal(emulator, api):
    emulator.faults.add(route="POST /workflow_runs", status=429, count=2, retry_after=2)
    for _ in range(2):
        status, body, headers = api.call(
            "POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"]}
        )
        assert status == 429 and headers["Retry-After"] == "2"
        assert body == {"success": False, "error": "Injected fault: HTTP 429", "code": "RATE_LIMIT_EXCEEDED"}
    assert api.call("POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"]})[0] == 200
    status, body, _ = api.call("GET", "/workflow_runs")
    assert len(body["workflowRuns"]) == 1  # the faulted requests created nothing


def test_drop_before_commit_creates_nothing(emulator, api):
    emulator.faults.add(route="POST /workflow_runs", drop=True)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"]})
    assert api.call("GET", "/workflow_runs")[1]["workflowRuns"] == []


def test_answer_lost_after_commit(emulator, api):
    emulator.faults.add(route="POST /workflow_runs", drop=True, after_commit=True)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call(
            "POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"], "metadata": {"f": 1}}
        )
    runs = api.call("GET", "/workflow_runs")[1]["workflowRuns"]
    assert len(runs) == 1 and api.get_run(runs[0]["id"])["metadata"] == {"f": 1}


def test_error_after_commit_and_wildcards(emulator, api):
    emulator.faults.add(route="POST /workflow_runs", status=500, after_commit=True)
    assert api.call("POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"]})[0] == 500
    assert len(api.call("GET", "/workflow_runs")[1]["workflowRuns"]) == 1
    emulator.faults.add(route="GET /workflow_runs/*", status=503, count=None)
    run_id = api.call("GET", "/workflow_runs")[1]["workflowRuns"][0]["id"]
    assert api.call("GET", f"/workflow_runs/{run_id}")[0] == 503
    assert api.call("GET", f"/workflow_runs/{run_id}")[0] == 503
    emulator.faults.clear()
    assert api.call("GET", f"/workflow_runs/{run_id}")[0] == 200


def test_slow_answer(emulator, api):
    emulator.faults.add(route="GET /workflow_runs", delay=0.3)
    started = time.monotonic()
    assert api.call("GET", "/workflow_runs")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_probability_is_seeded(tmp_path):
    from extendpipe.emulator.faults import Faults

    class R:
        method, path = "GET", "/workflow_runs"

    def hits(seed):
        faults = Faults(seed=seed)
        faults.add(route="*", status=503, count=None, probability=0.5)
        return [faults.match(R()) is not None for _ in range(40)]

    assert hits(7) == hits(7) and 5 < sum(hits(7)) < 35


@pytest.mark.parametrize("status", ["NEEDS_REVIEW", "REJECTED", "FAILED"])
def test_forced_outcomes(emulator, api, status):
    emulator.faults.force_outcome(
        status, count=1, failure_reason="CORRUPT_FILE" if status == "FAILED" else None
    )
    first, second = api.create(workflowId="workflow_a", rawTexts=["Invoice number: 1", "Invoice number: 2"])
    assert emulator.wait_idle(10)
    got = {api.get_run(r["id"])["status"] for r in (first, second)}
    assert got == {status, "PROCESSED"}
    if status == "FAILED":
        failed = next(
            api.get_run(r["id"]) for r in (first, second) if api.get_run(r["id"])["status"] == "FAILED"
        )
        assert failed["failureReason"] == "CORRUPT_FILE" and failed["failureMessage"]


def test_stuck_processing(emulator, api):
    emulator.faults.force_outcome("STUCK", name_contains="stuck")
    file = api.upload("stuck.txt", b"Invoice number: 9")
    run = api.create(workflowId="workflow_a", files=[{"fileId": file["id"]}])[0]
    other = api.create(workflowId="workflow_a", rawTexts=["y"])[0]
    api.wait_status(other["id"], constants.FINAL_STATUSES)
    assert api.wait_status(run["id"], {"PROCESSING"})["status"] == "PROCESSING"
    assert not emulator.wait_idle(0.2)
    status, body, _ = api.call("POST", f"/workflow_runs/{run['id']}/cancel")
    assert status == 200 and body["workflowRun"]["status"] == "CANCELLING"
    assert api.wait_status(run["id"], {"CANCELLED"})["status"] == "CANCELLED"


def test_http_control_api(emulator, api):
    status, body, _ = api.call(
        "POST",
        "/_emulator/faults",
        {"route": "GET /workflow_runs", "status": 429, "retryAfter": 1, "count": 1},
        headers={},
    )
    assert status == 200 and body["fault"]["status"] == 429
    status, _, headers = api.call("GET", "/workflow_runs")
    assert status == 429 and headers["Retry-After"] == "1"
    assert api.call("POST", "/_emulator/faults", {"bogus": 1}, headers={})[0] == 400
    assert api.call("POST", "/_emulator/outcomes", {"status": "NEEDS_REVIEW"}, headers={})[0] == 200
    run = api.create(workflowId="workflow_a", rawTexts=["x"])[0]
    assert api.wait_status(run["id"], constants.FINAL_STATUSES)["status"] == "NEEDS_REVIEW"
    assert api.call("GET", "/_emulator/health", headers={})[1] == {"success": True}
    api.call("POST", "/_emulator/faults", {"route": "*", "status": 500, "count": None}, headers={})
    assert len(api.call("GET", "/_emulator/faults", headers={})[1]["faults"]) == 1
    assert api.call("DELETE", "/_emulator/faults", headers={})[0] == 200
    assert api.call("GET", "/workflow_runs")[0] == 200
