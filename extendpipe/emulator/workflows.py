"""Workflow definitions and what running one does to a document.

Phase 1 holds one built-in definition, the generic invoice workflow (parse + extract invoice fields),
which non-strict mode gives to any unknown `workflow_…` id. `Workflows.resolve` is where definitions
loaded from a YAML file plug in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import extendpipe.constants as constants

from . import extract
from .errors import bad_request, not_found
from .ids import new_id, stable_id

VERSION_RE = re.compile(r"^(draft|[1-9][0-9]{0,5})$")


@dataclass(frozen=True)
class Outcome:
    status: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    step_runs: list[dict[str, Any]] = field(default_factory=list)
    failure_reason: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class Workflow:
    id: str
    name: str
    version: str
    run: Callable[[Workflow, dict[str, Any], str], Outcome]


def processor_run(
    workflow: Workflow,
    key: str,
    name: str,
    kind: str,
    config: dict[str, Any],
    output: dict[str, Any],
    file_json: dict[str, Any],
) -> dict[str, Any]:
    """One ProcessorRun (`outputs[]` item) in the 2025-04-21 shape."""
    processor_id = stable_id("dp_", workflow.id, key)
    run_id = new_id("dpr_")
    return {
        "object": "document_processor_run",
        "id": run_id,
        "processorId": processor_id,
        "processorVersionId": stable_id("dpv_", workflow.id, key, workflow.version),
        "processorName": name,
        "status": constants.PROCESSED,
        "type": kind,
        "config": {"type": kind, **config},
        "output": output,
        "initialOutput": None,
        "reviewedOutput": None,
        "reviewed": False,
        "edited": False,
        "edits": {},
        "files": [file_json],
        "mergedProcessors": [],
        "metadata": {},
        "url": f"https://dashboard.extend.ai/processors/{processor_id}?runId={run_id}",
    }


def generic_invoice(workflow: Workflow, file_json: dict[str, Any], text: str) -> Outcome:
    """The generic workflow: parse, then extract the invoice fields into one EXTRACT output."""
    values, metadata = extract.extract_invoice(text)
    config = {"baseProcessor": "extraction_light", "schema": extract.OUTPUT_SCHEMA}
    output = processor_run(
        workflow,
        "invoice",
        "Invoice extraction",
        "EXTRACT",
        config,
        {"value": values, "metadata": metadata},
        file_json,
    )
    return Outcome(status=constants.PROCESSED, outputs=[output])


class Workflows:
    """Resolves workflow ids and versions to definitions."""

    def __init__(self, *, strict: bool = False, definitions: dict[str, dict[str, Workflow]] | None = None):
        self.strict = strict
        self.definitions = definitions or {}

    def resolve(self, workflow_id: str, version: str | None) -> Workflow:
        if version is not None and not VERSION_RE.match(version):
            raise bad_request(f'version must be a version number such as "3" or "draft", got {version!r}')
        versions = self.definitions.get(workflow_id)
        if versions:
            if version is None:
                published = sorted((v for v in versions if v != "draft"), key=int)
                version = published[-1] if published else "draft"
            if version not in versions:
                raise not_found(f"Version {version} of workflow {workflow_id} not found")
            return versions[version]
        if self.strict:
            raise not_found(f"Workflow {workflow_id} not found")
        return Workflow(workflow_id, "Generic invoice extraction", version or "1", generic_invoice)

    def resolve_for_run(self, run: dict[str, Any]) -> Workflow:
        """The definition a stored run was created with (or the generic one if it is gone)."""
        versions = self.definitions.get(run["workflow_id"]) or {}
        if run["workflow_version"] in versions:
            return versions[run["workflow_version"]]
        return Workflow(run["workflow_id"], run["workflow_name"], run["workflow_version"], generic_invoice)
