"""Contract over a real `extendpipe serve` process: the official SDK extend-ai 0.2.0 drives every
2025-04-21 run and file endpoint it has (upload, create with files and rawTexts, get, list with filters,
sorts and pages, update, cancel, delete, batch, file get), every response body the SDK received validates
against the SDK's own response type with no key the type does not know, and Ctrl-C stops the server
with exit code 0."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pydantic
import pytest
from emulator_helpers import INVOICE_TEXT, Api

extend_ai = pytest.importorskip("extend_ai")
import httpx  # noqa: E402
from extend_ai import Extend  # noqa: E402
from extend_ai.batch_workflow_run.types import BatchWorkflowRunCreateResponse  # noqa: E402
from extend_ai.core.api_error import ApiError  # noqa: E402
from extend_ai.errors import BadRequestError, NotFoundError, UnauthorizedError  # noqa: E402
from extend_ai.file.types import FileGetResponse, FileUploadResponse  # noqa: E402
from extend_ai.workflow_run.types import (  # noqa: E402
    WorkflowRunCancelResponse,
    WorkflowRunCreateResponse,
    WorkflowRunDeleteResponse,
    WorkflowRunGetResponse,
    WorkflowRunListResponse,
    WorkflowRunUpdateResponse,
)

REPO = Path(__file__).resolve().parents[2]
KEY = "serve-key"
FINAL = {"PROCESSED", "FAILED", "NEEDS_REVIEW", "REJECTED", "CANCELLED"}
# (method, path pattern) of every success answer → the SDK 0.2.0 type of its body.
RESPONSE_TYPES = [
    ("POST", r"/files/upload", FileUploadResponse),
    ("GET", r"/files/[^/]+", FileGetResponse),
    ("POST", r"/workflow_runs", WorkflowRunCreateResponse),
    ("GET", r"/workflow_runs", WorkflowRunListResponse),
    ("POST", r"/workflow_runs/batch", BatchWorkflowRunCreateResponse),
    ("GET", r"/workflow_runs/[^/]+", WorkflowRunGetResponse),
    ("POST", r"/workflow_runs/[^/]+", WorkflowRunUpdateResponse),
    ("DELETE", r"/workflow_runs/[^/]+", WorkflowRunDeleteResponse),
    ("POST", r"/workflow_runs/[^/]+/cancel", WorkflowRunCancelResponse),
]


def response_type(method: str, path: str):
    for route_method, pattern, model in RESPONSE_TYPES:
        if method == route_method and re.fullmatch(pattern, path):
            return model
    raise AssertionError(f"no SDK type for {method} {path}")


def unknown_keys(value, where: str = "$") -> list[str]:
    """Keys of the body that no field of the SDK type holds (a misspelt key would land here)."""
    if isinstance(value, pydantic.BaseModel):
        found = [f"{where}.{key}" for key in (value.model_extra or {})]
        for name in type(value).model_fields:
            found += unknown_keys(getattr(value, name), f"{where}.{name}")
        return found
    if isinstance(value, (list, tuple)):
        return [key for i, item in enumerate(value) for key in unknown_keys(item, f"{where}[{i}]")]
    return []


def validate_strictly(response: httpx.Response) -> None:
    """Validate (not construct, as the SDK does) the body against its SDK type: required keys present."""
    model = response_type(response.request.method, response.request.url.path)
    try:
        parsed = model.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise AssertionError(f"{response.request.method} {response.request.url.path}: {exc}") from None
    assert parsed.success is True
    assert unknown_keys(parsed) == [], (response.request.method, response.request.url.path)


def read_line(stream, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    try:
        if not selector.select(timeout):
            raise AssertionError(f"no line on stdout within {timeout} s")
    finally:
        selector.close()
    return stream.readline().decode()


def wait_for(condition, timeout: float, what: str):
    """Poll the served emulator (another process: no event to wait on) until condition() is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def served(tmp_path):
    """`python -m extendpipe serve --port 0 --db …` as a subprocess; yields (process, URL, stderr path)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
    }
    stderr_path = tmp_path / "serve.stderr"
    command = [sys.executable, "-m", "extendpipe", "serve", "--port", "0", "--db", str(tmp_path / "x.sqlite3")]
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [*command, "--api-key", KEY], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=stderr
        )
    try:
        url = read_line(proc.stdout, 60).strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), (url, stderr_path.read_text())
        yield proc, url, stderr_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def file_server():
    """A loopback HTTP server for fileUrl inputs."""

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self):
            payload = INVOICE_TEXT.encode() if self.path == "/remote-invoice.txt" else b""
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
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_sdk_drives_every_run_and_file_endpoint_of_extendpipe_serve(served, file_server):
    proc, url, stderr_path = served
    answers: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        answers.append(response)

    with httpx.Client(timeout=30, event_hooks={"response": [keep]}) as http:
        sdk = Extend(token=KEY, base_url=url, httpx_client=http)
        runs = sdk.workflow_run

        def final(run_id: str):
            return wait_for(
                lambda: (lambda r: r if r.status in FINAL else None)(runs.get(run_id).workflow_run),
                60,
                f"{run_id} to finish",
            )

        # Upload, then create from files (fileId with and without fileName, fileUrl) and from rawTexts.
        uploaded = sdk.file.upload(file=("acme.txt", INVOICE_TEXT.encode(), "text/plain")).file
        assert uploaded.id.startswith("file_") and uploaded.type == "TXT" and uploaded.name == "acme.txt"
        from_files = runs.create(
            workflow_id="workflow_contract",
            files=[
                {"fileId": uploaded.id},
                {"fileId": uploaded.id, "fileName": "renamed.txt"},
                {"fileUrl": f"{file_server}/remote-invoice.txt"},
            ],
            priority=10,
            metadata={"source": "files", "n": 1},
        ).workflow_runs
        assert [r.name for r in from_files] == ["acme.txt", "renamed.txt", "remote-invoice.txt"]
        assert {r.status for r in from_files} == {"PENDING"} and from_files[0].metadata == {"source": "files", "n": 1}
        from_texts = runs.create(
            workflow_id="workflow_contract", raw_texts=[INVOICE_TEXT, "Total: 5.00 EUR"], version="3"
        ).workflow_runs
        assert [r.workflow.version for r in from_texts] == ["3", "3"] and from_texts[0].metadata == {}
        other = runs.create(workflow_id="workflow_other", raw_texts=["Invoice number: OTHER-1"]).workflow_runs

        # Get: every run is processed, outputs carry the extracted invoice fields.
        done = {r.id: final(r.id) for r in [*from_files, *from_texts, *other]}
        assert {r.status for r in done.values()} == {"PROCESSED"}
        first = done[from_files[0].id]
        assert first.outputs[0].output.value["invoice_number"] == "INV-2024-001"
        assert first.files[0].id == uploaded.id and first.start_time >= first.initial_run_at
        assert done[from_files[2].id].outputs[0].output.value["total_amount"] == 1234.56

        # File get, with and without the parsed text.
        assert "INV-2024-001" in sdk.file.get(uploaded.id, raw_text=True).file.contents.raw_text
        assert sdk.file.get(uploaded.id).file.contents is None

        # List: filters, both sorts in both directions, and every page of a paged listing.
        created_order = [r.id for r in [*from_files, *from_texts, *other]]
        assert [r.id for r in runs.list(workflow_id="workflow_other").workflow_runs] == [other[0].id]
        assert [r.id for r in runs.list(file_name_contains="RENAMED").workflow_runs] == [from_files[1].id]
        assert len(runs.list(status="PROCESSED", max_page_size=100).workflow_runs) == 6
        assert runs.list(status="PENDING").workflow_runs == []
        for sort_by in ("createdAt", "updatedAt"):
            for sort_dir in ("asc", "desc"):
                seen, token, pages = [], None, 0
                while True:
                    page = runs.list(
                        workflow_id="workflow_contract",
                        sort_by=sort_by,
                        sort_dir=sort_dir,
                        max_page_size=2,
                        next_page_token=token,
                    )
                    seen += page.workflow_runs
                    pages += 1
                    token = page.next_page_token
                    if token is None:
                        break
                assert pages == 3 and len({r.id for r in seen}) == 5
                keys = [r.created_at if sort_by == "createdAt" else r.updated_at for r in seen]
                assert keys == sorted(keys, reverse=sort_dir == "desc")
                if sort_by == "createdAt":
                    assert [r.id for r in seen] == created_order[:5][:: 1 if sort_dir == "asc" else -1]

        # Update: rename and merge metadata.
        updated = runs.update(from_files[0].id, name="acme-renamed.txt", metadata={"n": 2, "extra": True})
        assert updated.workflow_run.name == "acme-renamed.txt"
        assert updated.workflow_run.metadata == {"source": "files", "n": 2, "extra": True}

        # Cancel: a run held in PROCESSING (forced STUCK over the control API) goes CANCELLING → CANCELLED;
        # a finished run cannot be cancelled.
        control = Api(url, key=KEY)
        try:
            status, _, _ = control.call("POST", "/_emulator/outcomes", {"status": "STUCK", "nameContains": "stuck"})
        finally:
            control.close()
        assert status == 200
        stuck = runs.create(
            workflow_id="workflow_contract", files=[{"fileId": uploaded.id, "fileName": "stuck.txt"}]
        ).workflow_runs[0]
        wait_for(lambda: runs.get(stuck.id).workflow_run.status == "PROCESSING", 60, "the stuck run to start")
        cancelled = runs.cancel(stuck.id).workflow_run
        assert cancelled.id == stuck.id and cancelled.status == "CANCELLING"
        assert final(stuck.id).status == "CANCELLED"
        with pytest.raises(BadRequestError) as refused:
            runs.cancel(from_files[0].id)
        assert refused.value.body == {
            "success": False,
            "error": f"Workflow run {from_files[0].id} cannot be cancelled: its status is PROCESSED",
        }

        # Delete.
        deleted = runs.delete(other[0].id)
        assert deleted.success and deleted.workflow_run_id == other[0].id and deleted.message
        with pytest.raises(NotFoundError):
            runs.get(other[0].id)
        with pytest.raises(NotFoundError):
            runs.delete(other[0].id)

        # Batch: one file input and one raw text, found again by batchId.
        batch = sdk.batch_workflow_run.create(
            workflow_id="workflow_contract",
            inputs=[
                {"file": {"fileId": uploaded.id}, "metadata": {"row": 1}},
                {"rawText": "Invoice number: B-2", "metadata": {"row": 2}},
            ],
        )
        assert batch.success and batch.batch_id.startswith("batch_")
        batch_runs = runs.list(batch_id=batch.batch_id, sort_by="createdAt", sort_dir="asc").workflow_runs
        assert [r.batch_id for r in batch_runs] == [batch.batch_id] * 2
        assert [final(r.id).metadata for r in batch_runs] == [{"row": 1}, {"row": 2}]

        # Errors the SDK maps, and the file endpoints the emulator leaves out (README: where it differs).
        wrong_key = Extend(token="not-the-key", base_url=url, httpx_client=http)
        with pytest.raises(UnauthorizedError):
            wrong_key.workflow_run.list()
        with pytest.raises(ApiError) as missing:
            sdk.file.list()
        assert missing.value.status_code == 404
        with pytest.raises(ApiError) as not_allowed:
            sdk.file.delete(uploaded.id)
        assert not_allowed.value.status_code == 405

    successes = [a for a in answers if a.status_code == 200]
    assert {(a.request.method, response_type(a.request.method, a.request.url.path)) for a in successes} == {
        (method, model) for method, _, model in RESPONSE_TYPES
    }, "every endpoint answered at least once"
    for answer in successes:
        validate_strictly(answer)
    for answer in answers:
        if answer.status_code != 200:
            body = answer.json()
            assert body["success"] is False and isinstance(body["error"], str) and body["error"], body

    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0, stderr_path.read_text()
    stderr = stderr_path.read_text()
    assert "stopping" in stderr and "Traceback" not in stderr, stderr
    assert proc.stdout.read() == b"", "stdout holds only the URL"


def test_serve_fault_flag_injects_from_the_start(tmp_path):
    import json as _json
    import os as _os
    import subprocess as _subprocess
    import sys as _sys
    import urllib.request
    from pathlib import Path as _Path

    repo = _Path(__file__).resolve().parents[2]
    env = {**_os.environ, "PYTHONPATH": str(repo)}
    proc = _subprocess.Popen([_sys.executable, "-m", "extendpipe", "serve", "--port", "0", "--db",
                              str(tmp_path / "x.sqlite3"), "--fault",
                              '{"route": "GET /workflow_runs", "status": 503, "count": 1}'],
                             env=env, stdout=_subprocess.PIPE, stderr=_subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        request = urllib.request.Request(url + "/workflow_runs", headers={
            "Authorization": "Bearer k", "x-extend-api-version": "2025-04-21"})
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("the injected 503 did not come")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
            assert _json.loads(exc.read())["success"] is False
        with urllib.request.urlopen(request, timeout=10) as answer:  # count 1: the next one is normal
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0
