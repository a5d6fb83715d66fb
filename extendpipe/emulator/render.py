"""Stored records → API JSON (2025-04-21 shapes, extend-api.md §4 and §6).

Every key the SDK types mark required is always sent; optional keys are sent as null when unset.
"""

from __future__ import annotations

from typing import Any

import extendpipe.constants as constants

from .ids import stable_id

DASHBOARD = "https://dashboard.extend.ai"


def file_json(record: dict[str, Any], *, raw_text: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if record.get("page_count") is not None:
        metadata["pageCount"] = record["page_count"]
    body: dict[str, Any] = {
        "object": "file",
        "id": record["id"],
        "name": record["name"],
        "type": record.get("type"),
        "presignedUrl": None,
        "parentFileId": None,
        "metadata": metadata,
        "createdAt": record["created_at"],
        "updatedAt": record["updated_at"],
    }
    if raw_text:
        body["contents"] = {"rawText": record.get("raw_text")}
    return body


def workflow_version_id(workflow_id: str, version: str) -> str:
    return stable_id("workflow_version_", workflow_id, version)


def run_json(run: dict[str, Any], file_record: dict[str, Any] | None) -> dict[str, Any]:
    failed = run["status"] == constants.FAILED
    return {
        "object": "workflow_run",
        "id": run["id"],
        "name": run["name"],
        "url": f"{DASHBOARD}/workflows/{run['workflow_id']}?workflowRunId={run['id']}",
        "status": run["status"],
        "metadata": run["metadata"] or {},
        "batchId": run.get("batch_id"),
        "files": [file_json(file_record)] if file_record else [],
        "failureReason": run.get("failure_reason") if failed else None,
        "failureMessage": run.get("failure_message") if failed else None,
        "initialRunAt": run["created_at"],
        "reviewedBy": None,
        "reviewed": False,
        "rejectionNote": None,
        "reviewedAt": None,
        "startTime": run.get("start_time"),
        "endTime": run.get("end_time"),
        "outputs": run.get("outputs") or [],
        "stepRuns": run.get("step_runs") or [],
        "workflow": {
            "object": "workflow",
            "id": run["workflow_id"],
            "version": run["workflow_version"],
            "name": run["workflow_name"],
        },
    }


def summary_json(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "status": run["status"],
        "initialRunAt": run["created_at"],
        "reviewedByUser": None,
        "reviewedAt": None,
        # SDK 0.0.35 marked startTime required; 0.0.36+ (and 0.2.0) optional. Always sent, null until started.
        "startTime": run.get("start_time"),
        "endTime": run.get("end_time"),
        "workflowId": run["workflow_id"],
        "workflowName": run["workflow_name"],
        "workflowVersionId": workflow_version_id(run["workflow_id"], run["workflow_version"]),
        "batchId": run.get("batch_id"),
        "rejectionNote": None,
        "createdAt": run["created_at"],
        "updatedAt": run["updated_at"],
    }
