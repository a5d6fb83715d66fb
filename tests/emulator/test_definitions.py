"""Workflow definitions from YAML: schema errors, versions, classify/extract/review steps."""

from __future__ import annotations

import textwrap

import pytest
from emulator_helpers import Api

import extendpipe.constants as constants
from extendpipe.emulator import Emulator
from extendpipe.emulator.definitions import DefinitionsError, load_workflows

DEFINITIONS = textwrap.dedent("""\
    version: 1
    workflows:
      - id: workflow_invoices
        name: Invoices
        versions:
          - version: 1
            steps:
              - {type: parse}
              - {type: extract, builtin: invoice}
          - version: "2"
            steps:
              - type: classify
                name: Document type
                classes:
                  - {id: invoice, keywords: [invoice, facture]}
                  - {id: receipt, keywords: [receipt]}
                default: other
              - type: extract
                name: Fields
                builtin: invoice
                fields:
                  - {name: po_number, type: string, pattern: 'PO Number:\\s*(\\S+)'}
                  - {name: qty, type: integer, pattern: 'Qty:\\s*(\\d+)'}
                  - {name: net, type: number, pattern: 'Net:\\s*([\\d.,]+)'}
              - type: review
                name: Required fields
                required: [invoice_number, po_number]
                reject_classes: [other]
    """)


@pytest.fixture
def defined(tmp_path):
    path = tmp_path / "workflows.yaml"
    path.write_text(DEFINITIONS)
    with Emulator(tmp_path / "d.db", workflows_file=path, strict=True) as emu:
        client = Api(emu.url)
        try:
            yield emu, client
        finally:
            client.close()


def test_versions_and_steps(defined):
    emu, api = defined
    latest, v1, needs_review, rejected = (
        api.create(
            workflowId="workflow_invoices",
            rawTexts=["Invoice number: 5\nPO Number: P-9\nQty: 3\nNet: 1.234,50\nTotal: 10.00 EUR"],
        )[0],
        api.create(workflowId="workflow_invoices", version="1", rawTexts=["Invoice number: 6"])[0],
        api.create(workflowId="workflow_invoices", version="2", rawTexts=["Invoice number: 7"])[0],
        api.create(workflowId="workflow_invoices", rawTexts=["Hello there"])[0],
    )
    assert latest["workflow"]["version"] == "2" and v1["workflow"]["version"] == "1"
    assert emu.wait_idle(10)
    run = api.get_run(latest["id"])
    assert run["status"] == constants.PROCESSED
    classify, fields = run["outputs"]
    assert classify["type"] == "CLASSIFY" and classify["output"]["id"] == "invoice"
    assert fields["output"]["value"]["po_number"] == "P-9" and fields["output"]["value"]["qty"] == 3
    assert fields["output"]["value"]["net"] == 1234.5 and fields["output"]["value"]["invoice_number"] == "5"
    assert run["stepRuns"][0]["step"]["type"] == "RULE_VALIDATION"
    assert api.get_run(v1["id"])["status"] == constants.PROCESSED
    review = api.get_run(needs_review["id"])
    assert review["status"] == constants.NEEDS_REVIEW
    assert {r["name"]: r["valid"] for r in review["stepRuns"][0]["output"]["rules"]} == {
        "invoice_number is present": True,
        "po_number is present": False,
        "document class is accepted": True,
    }
    assert api.get_run(rejected["id"])["status"] == constants.REJECTED
    from extend_ai.types import WorkflowRun

    WorkflowRun.model_validate(run)
    WorkflowRun.model_validate(review)


def test_unknown_workflow_or_version_is_404(defined):
    _, api = defined
    status, body, _ = api.call(
        "POST", "/workflow_runs", {"workflowId": "workflow_invoices", "version": "9", "rawTexts": ["x"]}
    )
    assert (status, body) == (
        404,
        {"success": False, "error": "Version 9 of workflow workflow_invoices not found"},
    )
    status, body, _ = api.call("POST", "/workflow_runs", {"workflowId": "workflow_other", "rawTexts": ["x"]})
    assert status == 404


def test_schema_errors_are_reported_together(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: 1\nworkflows:\n  - id: wf_1\n    versions:\n      - version: v2\n        steps: []\n"
    )
    with pytest.raises(DefinitionsError) as excinfo:
        load_workflows(path)
    message = str(excinfo.value)
    assert "$.workflows[0].id: 'wf_1' does not match" in message
    assert "$.workflows[0].versions[0].steps: [] should be non-empty" in message
