"""validate_paths: folders expand to their manifests; each gets its problems and counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from extendpipe.validate import FileResult, validate_paths

GOOD = "version: 1\nname: good\nsteps:\n" \
       "  - {name: a, workflow: workflow_a, inputs: {include: ['docs/*.pdf']}}\n" \
       "  - {name: b, workflow: workflow_b, inputs: {raw_texts: [hello]}}\n"
BAD = "version: 1\nname: bad\nsteps:\n  - {name: a, workflow: workflow_a, inputs: {include: ['*.tif']}}\n"


def test_folder_expands_to_sorted_yaml_files_not_state_or_hidden(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipelines = tmp_path / "pipelines"
    (pipelines / "docs").mkdir(parents=True)
    (pipelines / "docs" / "a.pdf").write_bytes(b"%PDF")
    (pipelines / "docs" / "b.pdf").write_bytes(b"%PDF")
    (pipelines / "b.yml").write_text(GOOD, "utf-8")
    (pipelines / "a.yaml").write_text(BAD, "utf-8")
    (pipelines / "notes.txt").write_text("not a manifest", "utf-8")
    (pipelines / ".hidden.yaml").write_text("garbage: [", "utf-8")
    (pipelines / ".extendpipe").mkdir()
    (pipelines / ".extendpipe" / "state.yaml").write_text("garbage: [", "utf-8")
    (pipelines / "sub").mkdir()
    (pipelines / "sub" / "other.yaml").write_text("garbage: [", "utf-8")
    results = validate_paths(["pipelines"], environ={})
    assert [r.path for r in results] == ["pipelines/a.yaml", "pipelines/b.yml"]
    bad, good = results
    assert [p.format() for p in bad.problems] == [
        "pipelines/a.yaml:4:56: steps[0].inputs.include[0]: pattern '*.tif' matched no file under pipelines/"
        " (hint: check the path is relative to the manifest's folder)"]
    assert (bad.file_count, bad.step_count) == (0, 1)
    assert good == FileResult("pipelines/b.yml", [], 3, 2)  # two files and one raw text
    assert good.ok and not bad.ok


def test_missing_path_and_empty_folder_are_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    results = validate_paths(["nope.yaml", "empty"], environ={})
    assert [(r.path, [p.format() for p in r.problems]) for r in results] == [
        ("nope.yaml", ["nope.yaml: (root): no such file or folder"]),
        ("empty", ["empty: (root): no *.yaml or *.yml file in this folder"]),
    ]


def test_load_problems_are_returned_not_raised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text("version: 1\nname: x\n", "utf-8")
    (result,) = validate_paths([tmp_path / "m.yaml"], environ={})
    assert result.path == str(tmp_path / "m.yaml")
    assert [p.message for p in result.problems] == ["missing required key 'steps'"]


def test_allow_outside_is_passed_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "a.pdf").write_bytes(b"")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "m.yaml").write_text(BAD.replace("*.tif", "../shared/*.pdf"), "utf-8")
    assert validate_paths(["p/m.yaml"], environ={})[0].problems
    assert validate_paths(["p/m.yaml"], environ={}, allow_outside=True)[0] == FileResult("p/m.yaml", [], 1, 1)


PIPELINES = sorted((Path(__file__).resolve().parent.parent / "pipelines").glob("*.y*ml"))


@pytest.mark.parametrize("manifest", PIPELINES, ids=[p.name for p in PIPELINES])
def test_every_shipped_pipeline_validates(manifest, monkeypatch):
    monkeypatch.chdir(manifest.parent.parent)
    (result,) = validate_paths([manifest.relative_to(manifest.parent.parent)], environ={})
    assert [p.format() for p in result.problems] == []
