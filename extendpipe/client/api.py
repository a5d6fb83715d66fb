"""The workflow-run calls of API 2025-04-21.

Responses come back as the typed objects of `extendpipe.client.types`: the server's JSON object
(unknown fields kept) with typed properties; an unknown status is warned about once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import quote

from extendpipe.client.pacing import RUN
from extendpipe.client.transport import READ_RETRY, SUBMIT_RETRY, UPLOAD_RETRY, WRITE_RETRY, Transport, TransportConfig
from extendpipe.client.types import File, WorkflowRun, WorkflowRunSummary
from extendpipe.constants import (
    CANCELLED,
    CANCELLING,
    MAX_FILES_PER_RUN_REQUEST,
    MAX_PAGE_SIZE,
    PATH_FILES,
    PATH_FILES_UPLOAD,
    PATH_WORKFLOW_RUNS,
)
from extendpipe.errors import ApiError, InputError


def _run_path(run_id: str) -> str:
    """`/workflow_runs/{id}`, the id percent-encoded: an id like `../files` stays one path segment."""
    return f"{PATH_WORKFLOW_RUNS}/{quote(run_id, safe='')}"


class ExtendClient:
    """One client per target; safe to share between threads (urllib3's pool is)."""

    def __init__(self, config: TransportConfig):
        self.transport = Transport(config)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Files ---------------------------------------------------------------------------------
    def upload_file(self, path: str | os.PathLike, name: str | None = None) -> File:
        """`POST /files/upload`: one multipart part named `file`; returns the File object."""
        with open(path, "rb") as fh:
            data = fh.read()
        return self.upload_bytes(data, name or os.path.basename(path))

    def upload_bytes(self, data: bytes, name: str) -> File:
        """Upload content held in memory (a raw text) under a file name."""
        resp = self.transport.request("POST", PATH_FILES_UPLOAD,
                                      multipart={"file": (name, data, "application/octet-stream")},
                                      retry=UPLOAD_RETRY)
        return File(resp.body["file"])

    def get_file(self, file_id: str, raw_text: bool = False) -> File:
        query = {"rawText": "true"} if raw_text else None
        return File(self.transport.request("GET", f"{PATH_FILES}/{quote(file_id, safe='')}", query=query).body["file"])

    # Workflow runs ---------------------------------------------------------------------------
    def create_runs(self, workflow_id: str, *, files: list[dict] | None = None,
                    raw_texts: list[str] | None = None, version: str | None = None,
                    priority: int | None = None, metadata: dict | None = None) -> list[WorkflowRun]:
        """`POST /workflow_runs`: one run per file or raw text; returns the new runs."""
        if bool(files) == bool(raw_texts):
            raise InputError("create_runs needs either files or raw_texts, not both")
        if files and len(files) > MAX_FILES_PER_RUN_REQUEST:
            raise InputError(f"at most {MAX_FILES_PER_RUN_REQUEST} files per run request, got {len(files)}")
        body: dict = {"workflowId": workflow_id}
        if files:
            body["files"] = files
        if raw_texts:
            body["rawTexts"] = raw_texts
        if version is not None:
            body["version"] = version
        if priority is not None:
            body["priority"] = priority
        body["metadata"] = metadata or {}
        resp = self.transport.request("POST", PATH_WORKFLOW_RUNS, json_body=body, retry=SUBMIT_RETRY,
                                      category=RUN, runs=len(files or raw_texts))
        return [WorkflowRun(run) for run in resp.body["workflowRuns"]]

    def get_run(self, run_id: str) -> WorkflowRun:
        return WorkflowRun(self.transport.request("GET", _run_path(run_id), retry=READ_RETRY).body["workflowRun"])

    def list_runs_page(self, *, status=None, workflow_id=None, batch_id=None, file_name_contains=None,
                       sort_by=None, sort_dir=None, max_page_size=None, page_token=None) -> tuple[list, str | None]:
        """One page of `GET /workflow_runs`; returns (summaries, next page token or None)."""
        query = {"status": status, "workflowId": workflow_id, "batchId": batch_id,
                 "fileNameContains": file_name_contains, "sortBy": sort_by, "sortDir": sort_dir,
                 "maxPageSize": max_page_size, "nextPageToken": page_token}
        body = self.transport.request("GET", PATH_WORKFLOW_RUNS, query=query, retry=READ_RETRY).body
        return [WorkflowRunSummary(item) for item in body.get("workflowRuns") or []], body.get("nextPageToken") or None

    def iter_runs(self, *, max_page_size: int = MAX_PAGE_SIZE, **filters) -> Iterator[WorkflowRunSummary]:
        """Every run summary matching the filters, following page tokens (the filters stay fixed)."""
        token = None
        while True:
            page, token = self.list_runs_page(max_page_size=max_page_size, page_token=token, **filters)
            yield from page
            if not token:
                return

    def update_run(self, run_id: str, *, name: str | None = None, metadata: dict | None = None) -> WorkflowRun:
        """`POST /workflow_runs/{id}`: metadata is merged by the server, incoming keys win."""
        body = {k: v for k, v in (("name", name), ("metadata", metadata)) if v is not None}
        return WorkflowRun(self.transport.request("POST", _run_path(run_id), json_body=body,
                                                  retry=WRITE_RETRY).body["workflowRun"])

    def cancel_run(self, run_id: str) -> WorkflowRun:
        try:
            return WorkflowRun(self.transport.request("POST", f"{_run_path(run_id)}/cancel", json_body={},
                                                      retry=WRITE_RETRY).body["workflowRun"])
        except ApiError as exc:
            # WRITE_RETRY resends a cancel whose answer was lost; the resend is refused (400) because
            # the first one worked. A run now CANCELLING or CANCELLED is that success.
            if exc.status != 400 or getattr(exc, "attempts", 1) < 2:
                raise
            run = self.get_run(run_id)
            if run.get("status") not in (CANCELLING, CANCELLED):
                raise
            return run

    def delete_run(self, run_id: str) -> dict:
        try:
            return self.transport.request("DELETE", f"{_run_path(run_id)}", retry=WRITE_RETRY).body
        except ApiError as exc:
            # As for cancel: a resent delete whose first answer was lost finds the run gone (404).
            if exc.status != 404 or getattr(exc, "attempts", 1) < 2:
                raise
            return {"success": True, "workflowRunId": run_id}
