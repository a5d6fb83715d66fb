"""The API key never reaches a manifest's values, and no URL part that may hold a token is echoed
(inputs found by a hostile tester)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli
from extendpipe.errors import ManifestError
from extendpipe.manifest import load_manifest

KEY = "sk_test_SECRET123"

MANIFEST = """\
version: 1
name: leak
steps:
  - name: notes
    workflow: workflow_notes
    metadata: {{k: "{value}"}}
    inputs: {{raw_texts: ["Invoice 1"]}}
"""


def _write(tmp_path, value):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.format(value=value))
    return path


@pytest.mark.parametrize("value", ["${EXTEND_API_KEY}", "${EXTEND_API_KEY:-}", "Bearer ${MY_COPY}"])
def test_apply_refuses_a_manifest_that_would_carry_the_key(tmp_path, emulator, value):
    path = _write(tmp_path, value)
    env = {"EXTEND_API_KEY": KEY, "MY_COPY": KEY, "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, ["apply", str(path), "--report", str(tmp_path / "r.json"), "--json"], env=env)
    assert result.exit_code == 2, result.stderr
    assert "which a manifest may not use (hint: the key is only ever sent in the Authorization header" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert len(emulator.requests) == 0
    assert not (tmp_path / "r.json").exists()


def test_validate_never_quotes_the_key_from_a_pattern(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.format(value="x").replace(
        'raw_texts: ["Invoice 1"]', 'include: ["docs/${EXTEND_API_KEY}*.txt"]'))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "m.yaml")], env={"EXTEND_API_KEY": KEY})
    assert result.exit_code == 2, result.stderr
    assert "m.yaml:7:" in result.stderr and "'${EXTEND_API_KEY}' is the API key" in result.stderr
    assert KEY not in result.stdout + result.stderr


def test_the_key_variable_is_refused_even_when_unset_and_other_variables_still_expand(tmp_path):
    path = _write(tmp_path, "${EXTEND_API_KEY:-anonymous}")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, environ={})
    assert [p.format() for p in caught.value.problems] == [
        f"{path}:6:19: steps[0].metadata.k: '${{EXTEND_API_KEY}}' is the API key, which a manifest may not use "
        "(hint: the key is only ever sent in the Authorization header; remove the reference)"]
    manifest = load_manifest(_write(tmp_path, "${TEAM}-${EXTEND_API_VERSION:-v}"),
                             environ={"EXTEND_API_KEY": KEY, "TEAM": "billing"})
    assert manifest.steps[0].metadata == {"k": "billing-v"}


def test_a_run_that_could_not_leak_still_gets_its_metadata(tmp_path, emulator):
    path = _write(tmp_path, "${TEAM}")
    env = {"EXTEND_API_KEY": "test-key", "TEAM": "billing", "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, ["apply", str(path), "--report", str(tmp_path / "r.json")], env=env)
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["runs"][0]["metadata"]["k"] == "billing"
    assert "test-key" not in (tmp_path / "r.json").read_text()


@pytest.mark.parametrize("url, shown", [
    (f"http://127.0.0.1:8790/?key={KEY}", "'http://127.0.0.1:8790/?***' has a query"),
    (f"http://127.0.0.1:8790/#{KEY}", "'http://127.0.0.1:8790/#***' has a fragment"),
    (f"http://ci:{KEY}@127.0.0.1:8790/?k={KEY}",
     "'http://***@127.0.0.1:8790/?***' has a user name or password and a query"),
    (f"http://127.0.0.1:99999/?k={KEY}", "'http://127.0.0.1:99999/?***' is not a valid URL"),
])
def test_a_token_in_the_base_url_is_never_echoed(tmp_path, url, shown):
    path = _write(tmp_path, "x")
    result = CliRunner().invoke(cli, ["apply", str(path), "--base-url", url], env={"EXTEND_API_KEY": "test-key"})
    assert result.exit_code == 2, result.stderr
    assert shown in result.stderr
    assert KEY not in result.stdout + result.stderr


HOLDS = "this value holds the API key, which a manifest may not hold (hint: remove it: the key is only ever sent"


@pytest.mark.parametrize("value", ["${A}${B}", "sk_test_${B}", "${NOPE:-sk_test_SECRET123}", "sk_test_SECRET123"])
def test_a_value_that_holds_the_key_once_expanded_is_refused(tmp_path, emulator, value):
    path = _write(tmp_path, value)
    env = {"EXTEND_API_KEY": KEY, "A": "sk_test_", "B": "SECRET123", "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, ["apply", str(path), "--report", str(tmp_path / "r.json")], env=env)
    assert result.exit_code == 2, result.stderr
    assert f"m.yaml:6:19: steps[0].metadata.k: {HOLDS}" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert len(emulator.requests) == 0


@pytest.mark.parametrize("command", ["apply", "plan"])
def test_the_key_of_an_api_key_file_is_refused_too(tmp_path, emulator, command):
    (tmp_path / "key.txt").write_text(KEY + "\n")
    path = _write(tmp_path, "${K2}")
    env = {"EXTEND_API_KEY": None, "K2": KEY, "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, [command, str(path), "--api-key-file", str(tmp_path / "key.txt")], env=env)
    assert result.exit_code == 2, result.stderr
    assert "steps[0].metadata.k: environment variable 'K2' holds the API key, which a manifest may not use" \
        in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert len(emulator.requests) == 0
