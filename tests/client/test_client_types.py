"""Responses are typed objects that keep every field and tolerate statuses this client does not know."""

from __future__ import annotations

import json
import logging

from extendpipe.client import types
from extendpipe.client.types import WorkflowRun, WorkflowRunSummary


def test_unknown_fields_are_kept_and_typed_properties_read_the_known_ones():
    run = WorkflowRun({"id": "workflow_run_1", "status": "PROCESSED", "workflow": {"version": 3},
                       "metadata": {"a": 1}, "brandNewField": {"x": [1]}})
    assert (run.id, run.status, run.final, run.workflow_version, run.metadata) == (
        "workflow_run_1", "PROCESSED", True, "3", {"a": 1})
    assert json.loads(json.dumps(run))["brandNewField"] == {"x": [1]}
    assert run.outputs == [] and run.failure_reason is None


def test_an_unknown_status_is_not_final_and_warned_about_once(caplog, monkeypatch):
    monkeypatch.setattr(types, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="extendpipe.client"):
        first = WorkflowRunSummary({"id": "workflow_run_2", "status": "ARCHIVING"})
        WorkflowRunSummary({"id": "workflow_run_3", "status": "ARCHIVING"})
    assert not first.final and first.status == "ARCHIVING"
    warnings = [r.getMessage() for r in caplog.records if "ARCHIVING" in r.getMessage()]
    assert len(warnings) == 1 and "treated as not final" in warnings[0]
