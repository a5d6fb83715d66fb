"""State persists across restarts; runs left in flight are picked up again."""

from __future__ import annotations

from emulator_helpers import INVOICE_TEXT, Api

import extendpipe.constants as constants
from extendpipe.emulator import Emulator


def test_restart_sees_old_runs_and_finishes_interrupted_ones(tmp_path):
    db = tmp_path / "state.sqlite3"
    first = Emulator(db, workers=1, processing_delay=60)
    first.start()
    client = Api(first.url)
    try:
        file = client.upload("inv.txt", INVOICE_TEXT.encode())
        runs = client.create(workflowId="workflow_a", files=[{"fileId": file["id"]}] * 2)
        client.wait_status(runs[0]["id"], {constants.PROCESSING})
    finally:
        client.close()
        first.stop()
    first.stop()  # idempotent

    with Emulator(db, workers=2) as second:
        client = Api(second.url)
        try:
            assert second.wait_idle(10)
            for run in runs:
                got = client.get_run(run["id"])
                assert got["status"] == constants.PROCESSED
                assert got["outputs"][0]["output"]["value"]["invoice_number"] == "INV-2024-001"
            status, body, _ = client.call("GET", f"/files/{file['id']}")
            assert status == 200 and body["file"]["name"] == "inv.txt"
        finally:
            client.close()
