"""load_manifest on manifests written into tmp_path: the model, defaults, env, traps, limits."""

from __future__ import annotations

import hashlib
import os
import textwrap

import pytest

from extendpipe.errors import ManifestError
from extendpipe.manifest import Inputs, Manifest, Settings, load_manifest, parse_duration
from extendpipe.manifest.source import MAX_BYTES

EXAMPLE = """\
# yaml-language-server: $schema=../schemas/pipeline.schema.json
version: 1
name: invoices
defaults:
  version: "1"
  priority: 50
  metadata: {team: finance}
settings:
  concurrency: 8
  wait_timeout: 10m
  poll_interval: 2s
  allow_needs_review: false
steps:
  - name: extract-invoices
    workflow: workflow_invoices
    version: draft
    priority: 10
    metadata: {source: "${SOURCE:-samples}"}
    inputs:
      include: ["samples/invoices/**/*.pdf", "samples/invoices/*.txt"]
      exclude: ["**/draft-*"]
      include_hidden: false
  - name: notes
    workflow: workflow_notes
    inputs:
      raw_texts: ["Invoice 42 total 10 EUR"]
"""


def write(tmp_path, text, name="m.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def messages(path, environ=None):
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, environ={} if environ is None else environ)
    return [p.format() for p in caught.value.problems]


def minimal(step_extra="", top_extra=""):
    return (
        "version: 1\nname: demo\n" + top_extra
        + "steps:\n  - name: a\n    workflow: workflow_a\n    inputs: {raw_texts: [x]}\n" + step_extra
    )


def test_example_manifest_builds_the_model(tmp_path):
    path = write(tmp_path, EXAMPLE)
    manifest = load_manifest(path, environ={})
    assert isinstance(manifest, Manifest)
    assert manifest.path == path and manifest.path.is_absolute()
    assert manifest.base_dir == tmp_path
    assert manifest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest.name == "invoices"
    assert manifest.settings == Settings(concurrency=8, wait_timeout=600.0, poll_interval=2.0,
                                         allow_needs_review=False)
    first, second = manifest.steps
    assert (first.name, first.workflow_id, first.version, first.priority, first.line) == (
        "extract-invoices", "workflow_invoices", "draft", 10, 14)
    assert first.metadata == {"team": "finance", "source": "samples"}
    assert first.inputs == Inputs(
        include=("samples/invoices/**/*.pdf", "samples/invoices/*.txt"),
        exclude=("**/draft-*",),
        include_lines=(20, 20),
        include_columns=(17, 46),
    )
    assert (second.version, second.priority, second.metadata) == ("1", 50, {"team": "finance"})
    assert second.inputs.raw_texts == ("Invoice 42 total 10 EUR",)


def test_model_is_frozen(tmp_path):
    manifest = load_manifest(write(tmp_path, EXAMPLE), environ={})
    with pytest.raises(AttributeError):
        manifest.name = "other"


def test_relative_path_is_made_absolute_but_shown_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, EXAMPLE, "m.yaml")
    manifest = load_manifest("m.yaml", environ={})
    assert manifest.path == tmp_path / "m.yaml"
    assert manifest.display_path == "m.yaml"


def test_api_version_is_accepted_instead_of_version(tmp_path):
    text = minimal().replace("version: 1\n", "apiVersion: extendpipe/v1\n")
    assert load_manifest(write(tmp_path, text), environ={}).name == "demo"


def test_defaults_apply_and_metadata_merges_with_step_keys_winning(tmp_path):
    text = minimal(
        "    metadata: {team: ops, extra: [1, {a: null}]}\n",
        "defaults:\n  version: draft\n  priority: 7\n  metadata: {team: finance, cost: 3}\n",
    )
    (step,) = load_manifest(write(tmp_path, text), environ={}).steps
    assert (step.version, step.priority) == ("draft", 7)
    assert step.metadata == {"team": "ops", "cost": 3, "extra": [1, {"a": None}]}


def test_step_version_null_means_latest_even_with_a_default(tmp_path):
    text = minimal("    version:\n", "defaults: {version: \"3\"}\n")
    (step,) = load_manifest(write(tmp_path, text), environ={}).steps
    assert step.version is None


def test_omitted_priority_is_50_and_omitted_settings_are_none(tmp_path):
    manifest = load_manifest(write(tmp_path, minimal()), environ={})
    assert manifest.steps[0].priority == 50
    assert manifest.steps[0].version is None
    assert manifest.settings == Settings()


def test_env_expansion_with_defaults_and_escapes(tmp_path):
    text = minimal('    metadata: {a: "${A}", b: "${B:-dflt}", c: "$$HOME", d: "x-${EMPTY:-e}",'
                   ' e: "cost $5"}\n')
    (step,) = load_manifest(write(tmp_path, text), environ={"A": "1", "EMPTY": ""}).steps
    assert step.metadata == {"a": "1", "b": "dflt", "c": "$HOME", "d": "x-e", "e": "cost $5"}


def test_env_expansion_in_a_plain_scalar_is_typed_again(tmp_path):
    text = minimal("    priority: ${PRIO:-20}\n", "settings:\n  wait_timeout: ${WAIT}\n")
    manifest = load_manifest(write(tmp_path, text), environ={"WAIT": "90"})
    assert manifest.steps[0].priority == 20
    assert manifest.settings.wait_timeout == 90.0


def test_env_defaults_to_os_environ(tmp_path, monkeypatch):
    monkeypatch.setenv("EXTENDPIPE_TEST_SOURCE", "from-env")
    text = minimal('    metadata: {s: "${EXTENDPIPE_TEST_SOURCE}"}\n')
    assert load_manifest(write(tmp_path, text)).steps[0].metadata == {"s": "from-env"}


def test_every_missing_variable_is_named_with_its_line(tmp_path):
    text = minimal('    metadata: {a: "${ONE}"}\n', 'x-note: "${TWO}"\n')
    path = write(tmp_path, text)
    assert messages(path) == [
        f"{path}:3:9: x-note: environment variable 'TWO' is not set"
        " (hint: set it, or give a default: ${TWO:-value})",
        f"{path}:8:19: steps[0].metadata.a: environment variable 'ONE' is not set"
        " (hint: set it, or give a default: ${ONE:-value})",
    ]


def test_merge_keys_work_and_explicit_keys_win(tmp_path):
    text = """\
    version: 1
    name: demo
    x-common: &common
      workflow: workflow_common
      priority: 5
      inputs: {raw_texts: [shared]}
    steps:
      - <<: *common
        name: a
        priority: 9
      - <<: [*common]
        name: b
    """
    a, b = load_manifest(write(tmp_path, text), environ={}).steps
    assert (a.workflow_id, a.priority, a.inputs.raw_texts) == ("workflow_common", 9, ("shared",))
    assert (b.workflow_id, b.priority) == ("workflow_common", 5)


def test_yaml_11_values_are_fine_where_any_json_value_is_allowed(tmp_path):
    text = minimal("    metadata: {enabled: true, ratio: 1.10, day: 2024-01-05, none: ~}\n")
    (step,) = load_manifest(write(tmp_path, text), environ={}).steps
    assert step.metadata == {"enabled": True, "ratio": 1.1, "day": "2024-01-05", "none": None}


def test_yaml_11_boolean_words_in_metadata_must_be_quoted(tmp_path):
    # `country: NO` is the Norway problem: metadata allows booleans, but only `true` and `false` mean one.
    path = write(tmp_path, minimal("    metadata: {enabled: yes, country: NO}\n"))
    assert [m.split(": ", 2)[1:] for m in messages(path)] == [
        ["steps[0].metadata.enabled", "yes is read by YAML as the boolean true, not as text (hint: quote the value: "
         'enabled: "yes"; write true or false for a boolean)'],
        ["steps[0].metadata.country", "NO is read by YAML as the boolean false, not as text (hint: quote the value: "
         'country: "NO"; write true or false for a boolean)']]


def test_bom_is_dropped_and_lines_still_count_from_one(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + minimal().encode())
    assert load_manifest(path, environ={}).name == "demo"
    path.write_bytes(b"\xef\xbb\xbf" + minimal().replace("name: demo", "nme: demo").encode())
    assert messages(path) == [f"{path}:2:1: (root): unexpected key 'nme' (hint: did you mean 'name'?)"]


def test_every_problem_is_reported_sorted_by_line(tmp_path):
    text = """\
    version: 1
    name: Demo
    steps:
      - name: a
        workflow: nope
        priority: 0
        metdata: {}
        inputs: {}
    """
    path = write(tmp_path, text)
    assert [m.split(": ", 2)[0] for m in messages(path)] == [
        f"{path}:2:7", f"{path}:5:15", f"{path}:6:15", f"{path}:7:5", f"{path}:8:13"]


def test_missing_file(tmp_path):
    assert messages(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: (root): cannot read the file: No such file or directory"]


def test_folder_is_not_a_manifest(tmp_path):
    assert messages(tmp_path) == [f"{tmp_path}: (root): is a folder, not a manifest file"]


def test_a_manifest_path_that_is_not_utf8_is_refused_before_anything_runs(tmp_path, monkeypatch):
    try:
        folder = tmp_path / os.fsdecode(b"caf\xe9")
        folder.mkdir()
    except (OSError, UnicodeError):  # pragma: no cover - a file system that only takes Unicode names
        pytest.skip("this file system only takes Unicode names")
    path = write(folder, minimal())
    assert messages(path) == [f"{tmp_path}/caf\\xe9/m.yaml: (root): the manifest's path {tmp_path}/caf\\xe9/m.yaml "
                              "is not valid UTF-8 (hint: rename it, or the folders it is in, to UTF-8)"]
    monkeypatch.chdir(folder)  # the report records the absolute path too
    assert messages("m.yaml") == [f"m.yaml: (root): the manifest's path {tmp_path}/caf\\xe9/m.yaml is not valid "
                                  "UTF-8 (hint: rename it, or the folders it is in, to UTF-8)"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, minimal())
    path.chmod(0)
    assert messages(path) == [f"{path}: (root): cannot read the file: Permission denied"]


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(b"# " + b"x" * MAX_BYTES + b"\n")
    assert messages(path) == [
        f"{path}: (root): file is larger than 10 MB (hint: a manifest lists globs, not data; keep it small)"]


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path):
    path = write(tmp_path, minimal("    metadata: {a: " + "[" * 5000 + "]" * 5000 + "}\n"))
    problems = messages(path)
    assert len(problems) == 1 and "nested" in problems[0]


def test_moderately_deep_metadata_is_bounded(tmp_path):
    path = write(tmp_path, minimal("    metadata: {a: " + "[" * 80 + "]" * 80 + "}\n"))
    (problem,) = messages(path)
    assert problem.startswith(f"{path}:7:79: steps[0].metadata.a[0][0]")
    assert problem.endswith("[0]: nested deeper than 64 levels")


def test_duplicate_keys_are_found_at_any_depth(tmp_path):
    text = minimal("    metadata:\n      a: {b: 1, b: 2}\n")
    path = write(tmp_path, text)
    assert messages(path) == [
        f"{path}:8:17: steps[0].metadata.a.b: duplicate key 'b' (first at line 8) (hint: remove one of them)"]


@pytest.mark.parametrize(("value", "expected"), [
    (600, 600.0), (1.5, 1.5), ("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1h", 3600.0),
    ("1h30m", 5400.0), ("1m0.5s", 60.5), ("2h3m4s", 7384.0),
])
def test_parse_duration(value, expected):
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["", "h", "10 minutes", "1d"])
def test_parse_duration_rejects(value):
    with pytest.raises(ValueError):
        parse_duration(value)


def test_too_many_nodes_in_the_text_stop_early(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(minimal("    metadata:\n      big:\n" + "        - 1\n" * 100_050), "utf-8")
    assert messages(path) == [
        f"{path}:99988:11: (root): more than 100000 values"
        " (hint: a manifest lists globs, not data; keep it small)"]


def test_steps_are_hashable_and_metadata_is_not_shared(tmp_path):
    text = ("version: 1\nname: demo\ndefaults: {metadata: {tags: [a]}}\nsteps:\n"
            "  - {name: a, workflow: workflow_a, inputs: {raw_texts: [x]}}\n"
            "  - {name: b, workflow: workflow_a, inputs: {raw_texts: [x]}}\n")
    manifest = load_manifest(write(tmp_path, text), environ={})
    a, b = manifest.steps
    assert len({a, b}) == 2 and hash(manifest)
    a.metadata["tags"].append("changed")
    assert b.metadata == {"tags": ["a"]}


def test_unknown_key_with_a_close_match_replaces_the_missing_key_message(tmp_path):
    path = write(tmp_path, minimal().replace("    inputs:", "    input:"))
    assert messages(path) == [f"{path}:6:5: steps[0]: unexpected key 'input' (hint: did you mean 'inputs'?)"]


def test_problem_messages_carry_path_line_column_json_path_and_hint(tmp_path):
    path = write(tmp_path, minimal("    metdata: {team: x}\n"))
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, environ={})
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.column, problem.json_path) == (str(path), 7, 5, "steps[0]")
    assert (problem.message, problem.hint) == ("unexpected key 'metdata'", "did you mean 'metadata'?")
    assert caught.value.exit_code == 2
    assert str(caught.value) == problem.format()
