"""Run statuses: the review rule sends a document without a total to NEEDS_REVIEW; cancel works only
from PENDING or PROCESSING (CANCELLING, then CANCELLED) and is a 400 from every other status; with the
one worker saturated, runs start in priority order."""

from __future__ import annotations

import textwrap
import time

import pytest
from emulator_helpers import Api

import extendpipe.constants as constants
from extendpipe.emulator import Emulator
from extendpipe.emulator.errors import ApiError

NO_TOTAL = "ACME Supplies Ltd.\nInvoice number: INV-7\nInvoice date: 5 March 2024\nQty 3 widgets\n"
WITH_TOTAL = "ACME Supplies Ltd.\nInvoice number: INV-8\nInvoice date: 5 March 2024\nTotal due: 99.50 EUR\n"
REVIEWED = textwrap.dedent("""\
    version: 1
    workflows:
      - id: workflow_reviewed
        name: Reviewed invoices
        versions:
          - version: 1
            steps:
              - {type: parse}
              - {type: extract, name: Invoice fields, builtin: invoice}
              - {type: review, name: Required fields, required: [invoice_number, total_amount]}
    """)


def statuses_until(api: Api, run_id: str, last: str, timeout: float = 15.0) -> list[str]:
    """Every status GET shows, polling until `last` (bounded)."""
    deadline, seen = time.monotonic() + timeout, []
    while not seen or seen[-1] != last:
        assert time.monotonic() < deadline, f"{run_id} never reached {last}: {seen}"
        seen.append(api.get_run(run_id)["status"])
        time.sleep(0.005)
    return seen


@pytest.fixture
def client_for():
    clients = []

    def make(emu: Emulator) -> Api:
        clients.append(Api(emu.url))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def test_missing_total_needs_review_under_a_review_rule(tmp_path, client_for):
    (tmp_path / "workflows.yaml").write_text(REVIEWED)
    with Emulator(tmp_path / "r.db", api_keys={"test-key"}, workflows_file=tmp_path / "workflows.yaml") as emu:
        api = client_for(emu)
        missing, complete = api.create(workflowId="workflow_reviewed", rawTexts=[NO_TOTAL, WITH_TOTAL])
        generic = api.create(workflowId="workflow_generic", rawTexts=[NO_TOTAL])[0]
        assert emu.wait_idle(10), "NEEDS_REVIEW is not in flight: the emulator goes idle"
        review = api.get_run(missing["id"])
        assert review["status"] == constants.NEEDS_REVIEW and review["failureReason"] is None
        assert review["outputs"][0]["output"]["value"]["total_amount"] is None
        assert review["stepRuns"][0]["step"]["type"] == "RULE_VALIDATION"
        assert review["stepRuns"][0]["output"] == {
            "rules": [
                {"name": "invoice_number is present", "valid": True},
                {"name": "total_amount is present", "valid": False, "failureReason": "RULE_FAILED"},
            ]
        }
        assert api.get_run(complete["id"])["status"] == constants.PROCESSED
        # The generic invoice workflow (any unknown id, non-strict) has no review rule.
        assert api.get_run(generic["id"])["status"] == constants.PROCESSED
        _, listed, _ = api.call("GET", "/workflow_runs", query={"status": "NEEDS_REVIEW"})
        assert [r["id"] for r in listed["workflowRuns"]] == [missing["id"]]


def test_cancel_only_from_pending_or_processing(tmp_path, client_for):
    with Emulator(tmp_path / "c.db", api_keys={"test-key"}, workers=1) as emu:
        api = client_for(emu)
        file = api.upload("doc.txt", WITH_TOTAL.encode())
        for status in ("NEEDS_REVIEW", "REJECTED", "FAILED", "PROCESSED"):
            emu.faults.force_outcome(status, name_contains=f"to-{status.lower()}")
        emu.faults.force_outcome("STUCK", name_contains="to-stay-processing")
        names = ["to-needs_review", "to-rejected", "to-failed", "to-processed", "to-stay-processing"]
        finished = api.create(workflowId="workflow_a", files=[{"fileId": file["id"], "fileName": n} for n in names])
        stuck = finished.pop()
        ended = {api.wait_status(r["id"], constants.FINAL_STATUSES)["status"]: r["id"] for r in finished}
        assert set(ended) == {"NEEDS_REVIEW", "REJECTED", "FAILED", "PROCESSED"}
        api.wait_status(stuck["id"], {constants.PROCESSING})

        emu.pause()
        pending = api.create(workflowId="workflow_a", rawTexts=["Invoice number: 1"])[0]
        assert api.get_run(pending["id"])["status"] == constants.PENDING

        for run_id in (pending["id"], stuck["id"]):
            status, body, _ = api.call("POST", f"/workflow_runs/{run_id}/cancel")
            assert status == 200 and body["workflowRun"]["status"] == constants.CANCELLING
            seen = statuses_until(api, run_id, constants.CANCELLED)
            assert set(seen) <= {constants.CANCELLING, constants.CANCELLED}, "only CANCELLING, then CANCELLED"
            assert seen == sorted(seen, key=[constants.CANCELLING, constants.CANCELLED].index)
            run = api.get_run(run_id)
            assert run["endTime"] and run["outputs"] == []
            ended["CANCELLED"] = run_id

        for status, run_id in sorted(ended.items()):
            answer = api.call("POST", f"/workflow_runs/{run_id}/cancel")[:2]
            assert answer == (
                400,
                {"success": False, "error": f"Workflow run {run_id} cannot be cancelled: its status is {status}"},
            )
            assert api.get_run(run_id)["status"] == status, "a refused cancel changes nothing"


def test_cancelling_run_cannot_be_cancelled_again(tmp_path):
    """CANCELLING lasts until the janitor runs; before start() there is none, so the state holds."""
    emu = Emulator(tmp_path / "x.db")
    run = emu.backend.create_runs({"workflowId": "workflow_a", "rawTexts": ["x"]})[0]
    assert emu.backend.cancel_run(run["id"])["workflowRun"]["status"] == constants.CANCELLING
    with pytest.raises(ApiError) as refused:
        emu.backend.cancel_run(run["id"])
    assert (refused.value.status, refused.value.message) == (
        400,
        f"Workflow run {run['id']} cannot be cancelled: its status is CANCELLING",
    )
    with emu:
        assert emu.wait_idle(10)
        assert emu.store.get_run(run["id"])["status"] == constants.CANCELLED


def test_saturated_worker_starts_runs_in_priority_order(tmp_path, client_for):
    # Each run holds the one worker for 50 ms, so start times are distinct (order is still by priority).
    with Emulator(tmp_path / "p.db", api_keys={"test-key"}, workers=1, processing_delay=0.05) as emu:
        api = client_for(emu)
        emu.pause()
        created = [
            (priority, api.create(workflowId="workflow_a", rawTexts=[f"p{priority}"], priority=priority)[0])
            for priority in (90, 10, 50)
        ]
        late_fifty = api.create(workflowId="workflow_a", rawTexts=["p50 later"], priority=50)[0]
        default = api.create(workflowId="workflow_a", rawTexts=["default priority"])[0]  # 50
        emu.resume()
        assert emu.wait_idle(30)
        runs = {run["id"]: api.get_run(run["id"]) for _, run in created}
        runs.update({r["id"]: api.get_run(r["id"]) for r in (late_fifty, default)})
        by_start = sorted(runs.values(), key=lambda r: r["startTime"])
        expected = [created[1][1]["id"], created[2][1]["id"], late_fifty["id"], default["id"], created[0][1]["id"]]
        assert [r["id"] for r in by_start] == expected
        for earlier, later in zip(by_start, by_start[1:]):
            assert earlier["endTime"] <= later["startTime"], "one worker: one run at a time"
