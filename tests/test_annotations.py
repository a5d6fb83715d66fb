"""GitHub annotations: exact workflow-command lines, escaping, the cap, and run failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extendpipe.annotations import (
    command,
    escape_data,
    escape_property,
    github_annotations,
    in_github_actions,
    repo_path,
    run_annotations,
)
from extendpipe.errors import Problem

DATA = Path(__file__).parent / "data"


def problem(line=3, column=5, **kwargs):
    fields = {"path": "pipelines/x.yaml", "line": line, "column": column, "json_path": "steps[0].workflow",
              "message": "'wf_1' does not start with 'workflow_'", "hint": "copy the id from the Extend dashboard"}
    fields.update(kwargs)
    return Problem(**fields)


def test_one_problem_is_one_error_line():
    assert github_annotations([problem()]) == [
        "::error file=pipelines/x.yaml,line=3,col=5,title=extendpipe validate::steps[0].workflow: "
        "'wf_1' does not start with 'workflow_' (hint: copy the id from the Extend dashboard)"]


def test_position_and_hint_are_optional():
    lines = github_annotations([problem(line=None, column=None, hint=None, json_path="")])
    assert lines == ["::error file=pipelines/x.yaml,title=extendpipe validate::(root): "
                     "'wf_1' does not start with 'workflow_'"]
    assert github_annotations([problem(column=None)])[0].startswith("::error file=pipelines/x.yaml,line=3,title=")


def test_message_and_properties_are_escaped():
    weird = problem(path="pipelines/a,b:c%.yaml", message="100% wrong\r\nsecond line", hint="use a::b, c")
    assert github_annotations([weird], title="t: x, y") == [
        "::error file=pipelines/a%2Cb%3Ac%25.yaml,line=3,col=5,title=t%3A x%2C y::steps[0].workflow: "
        "100%25 wrong%0D%0Asecond line (hint: use a::b, c)"]


@pytest.mark.parametrize(("raw", "data", "prop"), [
    ("a%b", "a%25b", "a%25b"),
    ("%0A", "%250A", "%250A"),   # already-encoded text stays literal
    ("x\ny\rz", "x%0Ay%0Dz", "x%0Ay%0Dz"),
    ("k:v,w", "k:v,w", "k%3Av%2Cw"),
])
def test_escaping_rules(raw, data, prop):
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_at_most_limit_lines_then_one_line_counting_the_rest():
    problems = [problem(line=n) for n in range(1, 15)]
    lines = github_annotations(problems)
    assert len(lines) == 11
    assert [line.split(",")[1] for line in lines[:10]] == [f"line={n}" for n in range(1, 11)]
    assert lines[10] == "::error::4 more problem(s) not shown; run extendpipe validate locally"
    assert github_annotations(problems, limit=14)[-1].startswith("::error file=")
    assert github_annotations(problems, limit=0) == [
        "::error::14 more problem(s) not shown; run extendpipe validate locally"]
    assert github_annotations([]) == []


def test_paths_are_made_relative_to_the_workspace(tmp_path):
    workspace = tmp_path / "repo"
    absolute = workspace / "pipelines" / "x.yaml"
    assert repo_path(absolute, str(workspace)) == "pipelines/x.yaml"
    assert repo_path("pipelines/x.yaml", None) == "pipelines/x.yaml"
    outside = tmp_path / "elsewhere" / "x.yaml"
    assert repo_path(outside, str(workspace)) == outside.as_posix()
    assert github_annotations([problem(path=absolute)], workspace=str(workspace))[0].startswith(
        "::error file=pipelines/x.yaml,")


def test_relative_paths_are_read_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "pipelines").mkdir()
    monkeypatch.chdir(tmp_path / "pipelines")
    assert repo_path("x.yaml", str(tmp_path)) == "pipelines/x.yaml"
    assert repo_path("x.yaml", os.fspath(tmp_path / "pipelines")) == "x.yaml"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"GITHUB_ACTIONS": "true"}, True),
    ({"GITHUB_ACTIONS": "false"}, False),
    ({"GITHUB_ACTIONS": "1"}, False),
    ({}, False),
])
def test_in_github_actions(environ, expected):
    assert in_github_actions(environ) is expected


def test_in_github_actions_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert in_github_actions() is True
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert in_github_actions() is False


def test_command_leaves_out_none_properties():
    assert command("warning", "hi", file=None, line=None) == "::warning::hi"


def test_runs_that_did_not_succeed_become_annotations_on_the_manifest():
    report = json.loads((DATA / "report-mixed.json").read_text(encoding="utf-8"))
    lines = run_annotations(report)
    assert len(lines) == 7
    assert lines[0] == ("::error file=pipelines/invoices.yaml,title=extendpipe apply%3A pdf-invoices::"
                        "samples/invoices/alpenblick-treuhand-chf.pdf: FAILED: The file could not be parsed | "
                        "page 2%0Ais damaged")
    assert lines[-1] == ("::error file=pipelines/invoices.yaml,title=extendpipe apply%3A text-invoices::"
                         "samples/invoices/sakura-stationery-receipt.txt: no run: not_submitted")
    capped = run_annotations(report, limit=2)
    assert capped[2:] == ["::error::5 more run(s) did not succeed and are not shown; see the report"]
