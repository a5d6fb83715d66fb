"""The HTTP-free backend: validates requests and acts on the store. Raises ApiError for 4xx answers."""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any, Optional

import extendpipe.constants as constants

from . import listing, parsing, render
from .engine import Engine
from .errors import bad_request, not_found
from .ids import new_id, now
from .store import Store
from .workflows import Workflows

# One run input: (file id, new file record to insert or None, run name or None).
Input = tuple[str, Optional[dict[str, Any]], Optional[str]]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Backend:
    def __init__(self, store: Store, workflows: Workflows, engine: Engine):
        self.store = store
        self.workflows = workflows
        self.engine = engine

    # Files.
    def upload_file(self, name: str, data: bytes) -> dict[str, Any]:
        if not name:
            raise bad_request("The file part needs a filename")
        file_type = parsing.detect_type(name, data)
        if file_type is None:
            raise bad_request(f"File type not supported: {name}", constants.FILE_TYPE_NOT_SUPPORTED)
        stamp = now()
        record = {
            "id": new_id(constants.FILE_ID_PREFIX),
            "name": name,
            "type": file_type,
            "data": data,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.store.insert_file(record)
        return {"success": True, "file": render.file_json(record)}

    def get_file(self, file_id: str, raw_text: bool) -> dict[str, Any]:
        record = self.store.get_file(file_id, with_data=raw_text)
        if record is None:
            raise not_found(f"File {file_id} not found")
        if raw_text and record.get("raw_text") is None and record.get("data") is not None:
            try:
                text, pages = parsing.extract_text(record["type"], record["data"])
            except parsing.ParseError as exc:
                raise bad_request(
                    exc.message,
                    exc.reason
                    if exc.reason
                    in (
                        constants.CORRUPT_FILE,
                        constants.FILE_TYPE_NOT_SUPPORTED,
                        constants.PASSWORD_PROTECTED_FILE,
                    )
                    else None,
                ) from exc
            self.store.update_file(file_id, raw_text=text, page_count=pages, updated_at=now())
            record = self.store.get_file(file_id) or record
        return {"success": True, "file": render.file_json(record, raw_text=raw_text)}

    # Runs.
    def _run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        return render.run_json(run, self.store.get_file(run["file_id"]))

    def _require_run(self, run_id: str) -> dict[str, Any]:
        run = self.store.get_run(run_id)
        if run is None:
            raise not_found(f"Workflow run {run_id} not found")
        return run

    def _inputs(self, body: dict[str, Any]) -> list[Input]:
        """(file id, new file record or None, run name or None) per input; validates files/rawTexts."""
        files, raw_texts = body.get("files"), body.get("rawTexts")
        if files is not None and raw_texts is not None:
            raise bad_request("Provide either files or rawTexts, not both")
        if files is None and raw_texts is None:
            raise bad_request("Either files or rawTexts must be provided")
        items = files if files is not None else raw_texts
        field = "files" if files is not None else "rawTexts"
        if not isinstance(items, list) or not items:
            raise bad_request(f"{field} must be a non-empty array")
        if len(items) > constants.MAX_FILES_PER_RUN_REQUEST:
            raise bad_request(
                f"{field} holds {len(items)} items; at most {constants.MAX_FILES_PER_RUN_REQUEST}"
                " are allowed per request (use the batch endpoint for more)"
            )
        if files is None:
            return [self._raw_text_input(text, f"rawTexts[{i}]") for i, text in enumerate(items)]
        return [self._file_input(item, f"files[{i}]") for i, item in enumerate(items)]

    def _raw_text_input(self, text: Any, where: str) -> Input:
        if not isinstance(text, str):
            raise bad_request(f"{where} must be a string")
        stamp = now()
        record = {
            "id": new_id(constants.FILE_ID_PREFIX),
            "name": "raw_text.txt",
            "type": "TXT",
            "data": text.encode("utf-8"),
            "created_at": stamp,
            "updated_at": stamp,
        }
        return record["id"], record, None

    def _file_input(self, item: Any, where: str) -> Input:
        if not isinstance(item, dict):
            raise bad_request(f"{where} must be an object with fileId or fileUrl")
        file_id, file_url, file_name = item.get("fileId"), item.get("fileUrl"), item.get("fileName")
        if (file_id is None) == (file_url is None):
            raise bad_request(f"{where} must have exactly one of fileId and fileUrl")
        if file_name is not None and not isinstance(file_name, str):
            raise bad_request(f"{where}.fileName must be a string")
        if file_id is not None:
            if not isinstance(file_id, str) or self.store.get_file(file_id) is None:
                raise bad_request(f"{where}.fileId: file {file_id} not found")
            return file_id, None, file_name  # fileName names the run; the shared file keeps its name
        if not isinstance(file_url, str) or not file_url.startswith(("http://", "https://")):
            raise bad_request(f"{where}.fileUrl must be an http(s) URL")
        name = file_name or posixpath.basename(urllib.parse.urlparse(file_url).path) or "file"
        stamp = now()
        record = {
            "id": new_id(constants.FILE_ID_PREFIX),
            "name": name,
            "type": None,
            "url": file_url,
            "created_at": stamp,
            "updated_at": stamp,
        }
        return record["id"], record, None

    def validate_common(self, body: Any) -> tuple[str, Optional[str], Optional[dict[str, Any]]]:
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object")
        workflow_id = body.get("workflowId")
        if workflow_id is None:
            raise bad_request("workflowId is required")
        if not isinstance(workflow_id, str) or not workflow_id.startswith(constants.WORKFLOW_ID_PREFIX):
            raise bad_request(f'workflowId must be a string starting with "{constants.WORKFLOW_ID_PREFIX}"')
        version = body.get("version")
        if version is not None and not isinstance(version, str):
            raise bad_request('version must be a string such as "3" or "draft"')
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad_request("metadata must be an object")
        return workflow_id, version, metadata

    def create_runs(
        self,
        body: Any,
        *,
        batch_id: Optional[str] = None,
        inputs: Optional[list] = None,
        priority: Optional[int] = None,
    ) -> list[dict[str, Any]]:
        workflow_id, version, metadata = self.validate_common(body)
        if priority is None:
            priority = body.get("priority", constants.DEFAULT_PRIORITY)
            if not _is_int(priority) or not constants.MIN_PRIORITY <= priority <= constants.MAX_PRIORITY:
                raise bad_request(
                    f"priority must be an integer from {constants.MIN_PRIORITY} to {constants.MAX_PRIORITY}"
                )
        workflow = self.workflows.resolve(workflow_id, version)
        if inputs is None:
            inputs = [(fid, rec, name, metadata) for fid, rec, name in self._inputs(body)]
        new_files = [rec for _, rec, _, _ in inputs if rec is not None]
        names = {rec["id"]: rec["name"] for rec in new_files}
        stamp = now()
        runs = []
        for file_id, _, run_name, run_metadata in inputs:
            name = run_name or names.get(file_id) or (self.store.get_file(file_id) or {}).get("name", "file")
            runs.append(
                {
                    "id": new_id(constants.WORKFLOW_RUN_ID_PREFIX),
                    "workflow_id": workflow_id,
                    "workflow_name": workflow.name,
                    "workflow_version": workflow.version,
                    "name": name,
                    "status": constants.PENDING,
                    "metadata": run_metadata or {},
                    "file_id": file_id,
                    "batch_id": batch_id,
                    "priority": priority,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        self.store.insert_runs(runs, new_files)
        self.engine.notify()
        return runs

    def run_workflow(self, body: Any) -> dict[str, Any]:
        runs = self.create_runs(body)
        return {"success": True, "workflowRuns": [self._run_json(r) for r in runs]}  # as created: PENDING

    def batch(self, body: Any) -> dict[str, Any]:
        """POST /workflow_runs/batch: 1..1000 inputs, each a file or a raw text; runs get priority 90."""
        self.validate_common(body)
        items = body.get("inputs")
        if not isinstance(items, list) or not items:
            raise bad_request("inputs must be a non-empty array")
        if len(items) > constants.MAX_BATCH_INPUTS:
            raise bad_request(
                f"inputs holds {len(items)} items; at most {constants.MAX_BATCH_INPUTS} are allowed"
            )
        quads = []
        for i, item in enumerate(items):
            where = f"inputs[{i}]"
            if not isinstance(item, dict) or (item.get("file") is None) == (item.get("rawText") is None):
                raise bad_request(f"{where} must have exactly one of file and rawText")
            metadata = item.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                raise bad_request(f"{where}.metadata must be an object")
            if item.get("file") is not None:
                file_id, record, name = self._file_input(item["file"], f"{where}.file")
            else:
                file_id, record, name = self._raw_text_input(item["rawText"], f"{where}.rawText")
            quads.append((file_id, record, name, metadata))
        batch_id = new_id("batch_")
        self.create_runs(body, batch_id=batch_id, inputs=quads, priority=constants.BATCH_PRIORITY)
        return {"success": True, "batchId": batch_id}

    def get_run(self, run_id: str) -> dict[str, Any]:
        return {"success": True, "workflowRun": self._run_json(self._require_run(run_id))}

    def update_run(self, run_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object")
        name, metadata = body.get("name"), body.get("metadata")
        if name is not None and not isinstance(name, str):
            raise bad_request("name must be a string")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad_request("metadata must be an object")
        if not self.store.merge_run(run_id, name=name, metadata=metadata, updated_at=now()):
            raise not_found(f"Workflow run {run_id} not found")
        return self.get_run(run_id)

    def cancel_run(self, run_id: str) -> dict[str, Any]:
        run = self._require_run(run_id)
        cancellable = (constants.PENDING, constants.PROCESSING)
        stamp = now()
        if run["status"] not in cancellable or not self.store.update_run(
            run_id, only_if_status=cancellable, status=constants.CANCELLING, updated_at=stamp
        ):
            current = (self.store.get_run(run_id) or run)["status"]
            raise bad_request(f"Workflow run {run_id} cannot be cancelled: its status is {current}")
        self.engine.notify()
        # Answer with the state this request committed: CANCELLING (the janitor may already have moved on).
        answer = self._run_json({**run, "status": constants.CANCELLING, "updated_at": stamp})
        return {"success": True, "workflowRun": answer}

    def delete_run(self, run_id: str) -> dict[str, Any]:
        if not self.store.delete_run(run_id):
            raise not_found(f"Workflow run {run_id} not found")
        return {"success": True, "workflowRunId": run_id, "message": "Workflow run deleted successfully."}

    def list_runs(self, query: dict[str, list[str]]) -> dict[str, Any]:
        return listing.list_runs(self.store, query)
