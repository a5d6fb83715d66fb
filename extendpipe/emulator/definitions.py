"""Workflow definitions from a YAML file (`Emulator(workflows_file=…)`), validated by DEFINITIONS_SCHEMA.

    version: 1
    workflows:
      - id: workflow_invoices
        name: Invoices
        versions:
          - version: "1"            # a number or "draft"; runs without a version get the highest number
            steps:
              - {type: parse}
              - type: classify
                name: Document type
                classes:
                  - {id: invoice, keywords: [invoice, facture, rechnung, factuur]}
                  - {id: receipt, keywords: [receipt, kassenbon]}
                default: other
              - type: extract
                name: Invoice fields
                builtin: invoice      # the generic invoice fields; optional
                fields:
                  - {name: po_number, type: string, pattern: 'PO[- ]?Number\\s*:?\\s*(\\S+)'}
              - type: review
                name: Required fields
                required: [invoice_number, total_amount]   # missing → NEEDS_REVIEW
                reject_classes: [other]                    # classified as one of these → REJECTED

Field types: string, number (amount parsing: 1,234.56 / 1.234,56), integer, date (to ISO). A pattern
with a group yields the group, else the whole match; matching ignores case.
"""

from __future__ import annotations

import os
import re
from typing import Any

import jsonschema
import yaml

import extendpipe.constants as constants

from . import extract
from .ids import new_id, stable_id
from .wfschema import DEFINITIONS_SCHEMA
from .workflows import Outcome, Workflow, processor_run


class DefinitionsError(ValueError):
    pass


def load_workflows(path: str | os.PathLike[str]) -> dict[str, dict[str, Workflow]]:
    """{workflow id: {version: Workflow}} from a YAML file; DefinitionsError lists every problem."""
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    validator = jsonschema.Draft202012Validator(DEFINITIONS_SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{path}: {e.json_path}: {e.message}" for e in errors]
        raise DefinitionsError("invalid workflow definitions:\n" + "\n".join(lines))
    result: dict[str, dict[str, Workflow]] = {}
    for spec in document["workflows"]:
        versions = result.setdefault(spec["id"], {})
        for version in spec["versions"]:
            number = str(version["version"])
            if number in versions:
                raise DefinitionsError(f"{path}: {spec['id']} defines version {number} twice")
            versions[number] = Workflow(
                spec["id"], spec.get("name", spec["id"]), number, _runner(version["steps"])
            )
    return result


def _runner(steps: list[dict[str, Any]]):
    def run(workflow: Workflow, file_json: dict[str, Any], text: str) -> Outcome:
        return run_steps(workflow, steps, file_json, text)

    return run


def _field_value(kind: str, raw: str) -> Any:
    if kind == "number":
        return extract.parse_amount(raw.strip().lstrip("$€£¥₹ "))
    if kind == "integer":
        digits = re.sub(r"[^\d-]", "", raw)
        return int(digits) if re.fullmatch(r"-?\d+", digits) else None
    if kind == "date":
        found = extract.find_dates(raw)
        return found[0][2] if found else None
    return raw.strip()


def _extract(step: dict[str, Any], text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if step.get("builtin") == "invoice":
        values, metadata = extract.extract_invoice(text)
    for field in step.get("fields", []):
        match = re.search(field["pattern"], text, re.I | re.M)
        raw = (match.group(1) if match.re.groups else match.group(0)) if match else None
        values[field["name"]] = _field_value(field["type"], raw) if raw is not None else None
        metadata[field["name"]] = {
            "logprobsConfidence": 0.9 if match else 0.0,
            "citations": [{"page": 1, "referenceText": match.group(0)}] if match else [],
        }
    return values, metadata


def _classify(step: dict[str, Any], text: str) -> dict[str, Any]:
    lowered = text.lower()
    scores = [(sum(lowered.count(k.lower()) for k in c["keywords"]), c["id"]) for c in step["classes"]]
    best_score, best = max(scores, key=lambda s: s[0])
    total = sum(score for score, _ in scores)
    if best_score == 0:
        return {
            "id": step.get("default", "other"),
            "type": step.get("default", "other"),
            "confidence": 0.0,
            "insights": [{"type": "reasoning", "content": "No class keyword found."}],
        }
    return {
        "id": best,
        "type": best,
        "confidence": round(best_score / total, 3),
        "insights": [{"type": "reasoning", "content": f"{best_score} keyword hit(s) for {best}."}],
    }


def run_steps(
    workflow: Workflow, steps: list[dict[str, Any]], file_json: dict[str, Any], text: str
) -> Outcome:
    outputs: list[dict[str, Any]] = []
    step_runs: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    label = None
    status = constants.PROCESSED
    for index, step in enumerate(steps):
        name = step.get("name", f"{step['type']} {index + 1}")
        key = f"{index}:{name}"
        if step["type"] == "classify":
            result = _classify(step, text)
            label = result["id"]
            config = {
                "classifications": [
                    {"id": c["id"], "type": c["id"], "description": ", ".join(c["keywords"])}
                    for c in step["classes"]
                ]
            }
            outputs.append(processor_run(workflow, key, name, "CLASSIFY", config, result, file_json))
        elif step["type"] == "extract":
            found, metadata = _extract(step, text)
            values.update(found)
            config = {
                "baseProcessor": "extraction_light",
                "schema": {
                    "type": "object",
                    "properties": {k: {"type": ["string", "number", "null"]} for k in found},
                },
            }
            outputs.append(
                processor_run(
                    workflow, key, name, "EXTRACT", config, {"value": found, "metadata": metadata}, file_json
                )
            )
        elif step["type"] == "review":
            rules = [
                {"name": f"{field} is present", "valid": values.get(field) is not None}
                for field in step.get("required", [])
            ]
            for rule in rules:
                if not rule["valid"]:
                    rule["failureReason"] = "RULE_FAILED"
            if step.get("reject_classes"):
                rules.append(
                    {"name": "document class is accepted", "valid": label not in step["reject_classes"]}
                )
            if label is not None and label in step.get("reject_classes", []):
                status = constants.REJECTED
            elif not all(rule["valid"] for rule in rules) and status == constants.PROCESSED:
                status = constants.NEEDS_REVIEW
            step_runs.append(
                {
                    "object": "workflow_step_run",
                    "id": new_id("workflow_step_run_"),
                    "status": constants.PROCESSED,
                    "step": {
                        "object": "workflow_step",
                        "id": stable_id("step_", workflow.id, key),
                        "name": name,
                        "type": "RULE_VALIDATION",
                    },
                    "output": {"rules": rules},
                }
            )
    return Outcome(status=status, outputs=outputs, step_runs=step_runs)
