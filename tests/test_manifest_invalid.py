"""Every broken manifest in tests/manifests/invalid/ fails with exactly the messages in its .expected file."""

from __future__ import annotations

from pathlib import Path

import pytest

from extendpipe.errors import ManifestError
from extendpipe.files import iter_step_files
from extendpipe.manifest import load_manifest
from extendpipe.validate import validate_paths

INVALID = Path(__file__).parent / "manifests" / "invalid"
CASES = sorted(p.stem for p in INVALID.glob("*.yaml"))
ENVIRON = {"PRESENT": "here"}


def test_there_are_enough_cases():
    assert len(CASES) >= 40
    assert sorted(p.stem for p in INVALID.glob("*.expected")) == CASES


def _problems(name):
    """Formatted problems of load_manifest, or of resolving the steps' globs when it loads."""
    try:
        manifest = load_manifest(f"{name}.yaml", environ=ENVIRON)
    except ManifestError as exc:
        return [p.format() for p in exc.problems]
    problems = []
    for step in manifest.steps:
        try:
            iter_step_files(manifest, step)
        except ManifestError as exc:
            problems += [p.format() for p in exc.problems]
    return problems


@pytest.mark.parametrize("name", CASES)
def test_invalid_manifest(name, monkeypatch):
    monkeypatch.chdir(INVALID)
    expected = (INVALID / f"{name}.expected").read_text("utf-8").splitlines()
    assert _problems(name) == expected
    (result,) = validate_paths([f"{name}.yaml"], environ=ENVIRON)
    assert [p.format() for p in result.problems] == expected
