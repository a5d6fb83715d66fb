"""Upload, create, wait, get; update; cancel; delete; validation errors."""

from __future__ import annotations

import pytest
from emulator_helpers import INVOICE_TEXT, Api

import extendpipe.constants as constants


def test_upload_create_wait_get_outputs(emulator, api):
    file = api.upload("acme.txt", INVOICE_TEXT.encode())
    assert file["object"] == "file" and file["id"].startswith("file_")
    assert file["type"] == "TXT" and file["name"] == "acme.txt" and file["metadata"] == {}
    runs = api.create(workflowId="workflow_invoices", files=[{"fileId": file["id"]}], metadata={"k": 1})
    assert [r["status"] for r in runs] == ["PENDING"]
    assert runs[0]["name"] == "acme.txt" and runs[0]["metadata"] == {"k": 1}
    run = api.wait_status(runs[0]["id"], constants.FINAL_STATUSES)
    assert run["status"] == "PROCESSED"
    for key in (
        "object",
        "id",
        "name",
        "url",
        "status",
        "metadata",
        "files",
        "initialRunAt",
        "reviewed",
        "outputs",
        "stepRuns",
        "workflow",
    ):
        assert key in run
    assert run["startTime"] >= run["initialRunAt"] and run["endTime"] >= run["startTime"]
    output = run["outputs"][0]
    assert output["object"] == "document_processor_run" and output["type"] == "EXTRACT"
    assert output["id"].startswith("dpr_") and output["processorId"].startswith("dp_")
    assert output["output"]["value"] == {
        "issuer": "ACME Supplies Ltd.",
        "invoice_number": "INV-2024-001",
        "invoice_date": "2024-03-05",
        "total_amount": 1234.56,
        "currency": "EUR",
    }
    assert run["workflow"] == {
        "object": "workflow",
        "id": "workflow_invoices",
        "version": "1",
        "name": "Generic invoice extraction",
    }
    status, body, _ = api.call("GET", f"/files/{file['id']}", query={"rawText": "true"})
    assert status == 200 and "Invoice number" in body["file"]["contents"]["rawText"]


def test_raw_texts_make_one_run_each_and_responses_carry_request_id(api):
    status, body, headers = api.call(
        "POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": [INVOICE_TEXT, "x"], "priority": 3}
    )
    assert status == 200 and len(body["workflowRuns"]) == 2
    assert headers["x-extend-request-id"].startswith("req_")


def test_upload_rejects_unsupported_type(api):
    status, body, _ = api.call("POST", "/files/upload", fields={"file": ("a.exe", b"MZ\x00\x01", "x/y")})
    assert status == 400 and body["success"] is False and body["code"] == "FILE_TYPE_NOT_SUPPORTED"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"rawTexts": ["a"]}, "workflowId is required"),
        ({"workflowId": "wf_1", "rawTexts": ["a"]}, 'workflowId must be a string starting with "workflow_"'),
        ({"workflowId": "workflow_1"}, "Either files or rawTexts must be provided"),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"], "files": [{"fileId": "file_x"}]},
            "Provide either files or rawTexts, not both",
        ),
        (
            {"workflowId": "workflow_1", "files": [{"fileId": "file_nope"}]},
            "files[0].fileId: file file_nope not found",
        ),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"] * 51},
            "rawTexts holds 51 items; at most 50 are allowed per request (use the batch endpoint for more)",
        ),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"], "priority": 0},
            "priority must be an integer from 1 to 100",
        ),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"], "priority": 101},
            "priority must be an integer from 1 to 100",
        ),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"], "priority": True},
            "priority must be an integer from 1 to 100",
        ),
        (
            {"workflowId": "workflow_1", "rawTexts": ["a"], "version": "v3"},
            'version must be a version number such as "3" or "draft", got \'v3\'',
        ),
        (
            {"workflowId": "workflow_1", "files": [{"fileName": "a.pdf"}]},
            "files[0] must have exactly one of fileId and fileUrl",
        ),
        ([1, 2], "The request body must be a JSON object"),
    ],
)
def test_create_validation_errors(api, body, message):
    status, answer, _ = api.call("POST", "/workflow_runs", body)
    assert (status, answer) == (400, {"success": False, "error": message})


def test_malformed_json_unknown_route_and_wrong_method(api):
    status, body, _ = api.call("POST", "/workflow_runs", b"{not json")
    assert (status, body) == (400, {"success": False, "error": "Malformed JSON in the request body"})
    status, body, _ = api.call("GET", "/nope")
    assert status == 404 and body["success"] is False
    status, body, headers = api.call("PUT", "/workflow_runs")
    assert status == 405 and body["success"] is False and "GET" in headers["Allow"]
    status, body, _ = api.call("GET", "/workflow_runs/workflow_run_missing")
    assert (status, body) == (404, {"success": False, "error": "Workflow run workflow_run_missing not found"})


def test_strict_mode_unknown_workflow_is_404(tmp_path):
    from extendpipe.emulator import Emulator

    with Emulator(tmp_path / "s.db", strict=True) as emu:
        client = Api(emu.url, key="any")
        try:
            status, body, _ = client.call(
                "POST", "/workflow_runs", {"workflowId": "workflow_zz", "rawTexts": ["a"]}
            )
        finally:
            client.close()
    assert (status, body) == (404, {"success": False, "error": "Workflow workflow_zz not found"})


def test_update_merges_metadata(api):
    run = api.create(workflowId="workflow_a", rawTexts=["x"], metadata={"a": 1, "b": {"c": 2}})[0]
    status, body, _ = api.call(
        "POST", f"/workflow_runs/{run['id']}", {"metadata": {"b": 3, "d": 4}, "name": "n"}
    )
    assert status == 200
    assert body["workflowRun"]["metadata"] == {"a": 1, "b": 3, "d": 4}
    assert body["workflowRun"]["name"] == "n"
    status, _, _ = api.call("POST", "/workflow_runs/workflow_run_missing", {"metadata": {}})
    assert status == 404


def test_cancel_rules(tmp_path):
    from extendpipe.emulator import Emulator

    with Emulator(tmp_path / "c.db", workers=1, processing_delay=30) as emu:
        client = Api(emu.url)
        try:
            first, second = client.create(workflowId="workflow_a", rawTexts=["x", "y"])
            client.wait_status(first["id"], {"PROCESSING"})
            status, body, _ = client.call("POST", f"/workflow_runs/{second['id']}/cancel")
            assert status == 200 and body["workflowRun"]["status"] in ("CANCELLING", "CANCELLED")
            assert client.wait_status(second["id"], {"CANCELLED"})["status"] == "CANCELLED"
            status, body, _ = client.call("POST", f"/workflow_runs/{second['id']}/cancel")
            assert (status, body) == (
                400,
                {
                    "success": False,
                    "error": f"Workflow run {second['id']} cannot be cancelled: its status is CANCELLED",
                },
            )
            status, _, _ = client.call("POST", "/workflow_runs/workflow_run_nope/cancel")
            assert status == 404
        finally:
            client.close()


def test_cancel_processing_run_ends_cancelled(tmp_path):
    from extendpipe.emulator import Emulator

    with Emulator(tmp_path / "c.db", workers=1, processing_delay=0.5) as emu:
        client = Api(emu.url, key="k")
        try:
            run = client.create(workflowId="workflow_a", rawTexts=["x"])[0]
            client.wait_status(run["id"], {"PROCESSING"})
            status, body, _ = client.call("POST", f"/workflow_runs/{run['id']}/cancel")
            assert status == 200 and body["workflowRun"]["status"] == "CANCELLING"
            assert client.wait_status(run["id"], {"CANCELLED"})["endTime"]
        finally:
            client.close()


def test_delete(api):
    run = api.create(workflowId="workflow_a", rawTexts=["x"])[0]
    status, body, _ = api.call("DELETE", f"/workflow_runs/{run['id']}")
    assert status == 200 and body == {
        "success": True,
        "workflowRunId": run["id"],
        "message": "Workflow run deleted successfully.",
    }
    assert api.call("GET", f"/workflow_runs/{run['id']}")[0] == 404
    assert api.call("DELETE", f"/workflow_runs/{run['id']}")[0] == 404


def test_corrupt_pdf_and_empty_document_fail_with_reason(emulator, api):
    bad = api.upload("broken.pdf", b"%PDF-1.4\n this is not really a pdf \x00\x01")
    empty = api.upload("empty.txt", b"   \n")
    image = api.upload("scan.png", b"\x89PNG\r\n\x1a\n....")
    runs = api.create(workflowId="workflow_a", files=[{"fileId": f["id"]} for f in (bad, empty, image)])
    results = [api.wait_status(r["id"], constants.FINAL_STATUSES) for r in runs]
    assert [(r["status"], r["failureReason"]) for r in results] == [
        ("FAILED", "CORRUPT_FILE"),
        ("FAILED", "EMPTY_DOCUMENT"),
        ("FAILED", "FILE_TYPE_NOT_SUPPORTED"),
    ]
    assert all(r["failureMessage"] for r in results)
    good = api.create(workflowId="workflow_a", rawTexts=["Invoice number: 7"])[0]
    assert api.wait_status(good["id"], constants.FINAL_STATUSES)["status"] == "PROCESSED"


def test_priority_order(tmp_path):
    from extendpipe.emulator import Emulator

    emu = Emulator(tmp_path / "p.db", workers=1)
    client = None
    try:
        emu.backend.create_runs({"workflowId": "workflow_a", "rawTexts": ["a"], "priority": 80})
        emu.backend.create_runs({"workflowId": "workflow_a", "rawTexts": ["b"], "priority": 5})
        emu.backend.create_runs({"workflowId": "workflow_a", "rawTexts": ["c"], "priority": 80})
        emu.start()
        assert emu.wait_idle(10)
        client = Api(emu.url)
        status, body, _ = client.call(
            "GET", "/workflow_runs", query={"sortBy": "createdAt", "sortDir": "asc"}
        )
        runs = sorted(body["workflowRuns"], key=lambda r: r["startTime"])
        names = [client.get_run(r["id"])["files"][0]["id"] for r in runs]
        created = [r["id"] for r in body["workflowRuns"]]
        assert [r["id"] for r in runs] == [created[1], created[0], created[2]]
        assert len(names) == 3
    finally:
        if client:
            client.close()
        emu.stop()


def test_file_url_is_downloaded_when_processed(api):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self):
            payload = INVOICE_TEXT.encode() if self.path == "/inv.txt" else b""
            self.send_response(200 if payload else 404)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        ok, missing = api.create(
            workflowId="workflow_a",
            files=[{"fileUrl": f"{base}/inv.txt"}, {"fileUrl": f"{base}/gone.txt", "fileName": "g.txt"}],
        )
        assert ok["name"] == "inv.txt" and missing["name"] == "g.txt"
        done = api.wait_status(ok["id"], constants.FINAL_STATUSES)
        assert done["outputs"][0]["output"]["value"]["invoice_number"] == "INV-2024-001"
        failed = api.wait_status(missing["id"], constants.FINAL_STATUSES)
        assert (failed["status"], failed["failureReason"]) == ("FAILED", "FILE_DOWNLOAD_FAILED")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_unexpected_handler_error_is_500_with_request_id(emulator, api, monkeypatch, caplog):
    def boom(run_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator.backend, "get_run", boom)
    status, body, headers = api.call("GET", "/workflow_runs/workflow_run_x")
    request_id = headers["x-extend-request-id"]
    assert (status, body) == (
        500,
        {
            "success": False,
            "error": f"Internal server error (request id {request_id})",
            "requestId": request_id,
        },
    )
    assert request_id in caplog.text
    assert api.call("GET", "/workflow_runs")[0] == 200


def test_pause_holds_runs_pending_until_resume(emulator, api):
    emulator.pause()
    run = api.create(workflowId="workflow_a", rawTexts=["Invoice number: 3"])[0]
    assert not emulator.wait_idle(0.3)
    assert api.get_run(run["id"])["status"] == "PENDING"
    emulator.resume()
    assert emulator.wait_idle(10)
    assert api.get_run(run["id"])["status"] == "PROCESSED"
