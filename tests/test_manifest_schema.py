"""The published schema: valid against its metaschema, documented, and in step with the loader."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from extendpipe.manifest.schema import schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "extendpipe" / "schemas" / "pipeline.schema.json"


def _properties(node, where="#"):
    """(where, name, subschema) for every entry of every `properties` in the schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", name, sub
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}/{index}")


def test_schema_is_valid_against_its_metaschema():
    Draft202012Validator.check_schema(schema())


def test_schema_has_id_title_and_description():
    loaded = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert loaded["$id"].endswith("/pipeline.schema.json")
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["title"] and loaded["description"]


def test_every_property_has_a_description():
    missing = [where for where, _, sub in _properties(schema()) if not sub.get("description")]
    assert missing == []


def test_schema_shipped_in_package_is_the_one_at_repo_root():
    assert json.loads((ROOT / "schemas" / "pipeline.schema.json").read_text("utf-8")) == schema()


def test_example_manifest_data_is_valid():
    data = {
        "version": 1,
        "name": "invoices",
        "defaults": {"version": "1", "priority": 50, "metadata": {"team": "finance"}},
        "settings": {"concurrency": 8, "wait_timeout": "10m", "poll_interval": "2s",
                     "allow_needs_review": False},
        "steps": [
            {"name": "extract", "workflow": "workflow_invoices", "version": "draft", "priority": 10,
             "inputs": {"include": ["a/**/*.pdf"], "exclude": ["**/draft-*"], "include_hidden": False}},
            {"name": "notes", "workflow": "workflow_notes", "inputs": {"raw_texts": ["x"]}},
        ],
    }
    assert list(Draft202012Validator(schema()).iter_errors(data)) == []
