"""The published schemas are valid JSON Schemas, shipped in the package and at schemas/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from extendpipe.cli import cli
from extendpipe.schemafiles import SCHEMA_NAMES, load_schema, schema_path

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_against_its_metaschema(name):
    Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_published_copy_is_the_packaged_one(name):
    assert (REPO / "schemas" / f"{name}.schema.json").read_bytes() == schema_path(name).read_bytes()


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_command_prints_it(name):
    result = CliRunner().invoke(cli, ["schema", name])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_schema(name)
