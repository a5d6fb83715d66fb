"""Every broken manifest in tests/manifests/invalid/ fails with exactly the messages in its .expected file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from extendpipe.errors import ManifestError
from extendpipe.files import iter_step_files
from extendpipe.manifest import load_manifest
from extendpipe.validate import validate_paths

INVALID = Path(__file__).parent / "manifests" / "invalid"
CASES = sorted(p.stem for p in INVALID.glob("*.yaml"))
ENVIRON = {"PRESENT": "here", "LATIN1": "caf\udce9"}  # bytes that are not UTF-8, as os.environ holds them


def _fifo(folder):
    os.mkfifo(folder / "pipe")


def _dangling_symlink(folder):
    os.symlink("missing.txt", folder / "gone.txt")
    os.symlink("loop", folder / "loop")
    os.symlink("gone.txt", folder / "via-gone.txt")


def _not_utf8_name(folder):
    (folder / "ok.txt").write_bytes(b"x")
    (folder / os.fsdecode(b"lat\xe9.txt")).write_bytes(b"x")
    (folder / os.fsdecode(b"d\xe9j\xe0")).mkdir()
    (folder / os.fsdecode(b"d\xe9j\xe0") / "in.txt").write_bytes(b"x")


# Inputs git cannot hold (a named pipe, a name that is not UTF-8, links to nothing): each is made in a
# copy of this folder, in a folder named for its case, before the cases run.
SPECIAL = {"input-fifo": _fifo, "input-dangling-symlink": _dangling_symlink, "input-not-utf8-name": _not_utf8_name}


@pytest.fixture(scope="module")
def cases_folder(tmp_path_factory):
    """A copy of tests/manifests/invalid/ with the SPECIAL inputs made; {case: why it cannot run here}."""
    folder = tmp_path_factory.mktemp("cases") / "invalid"
    shutil.copytree(INVALID, folder)
    skipped = {}
    for name, make in SPECIAL.items():
        (folder / name).mkdir()
        try:
            make(folder / name)
        except (OSError, AttributeError, NotImplementedError) as exc:  # pragma: no cover - not on Linux
            skipped[name] = f"cannot make its input here: {exc}"
    return folder, skipped


def test_there_are_enough_cases():
    assert len(CASES) >= 40
    assert sorted(p.stem for p in INVALID.glob("*.expected")) == CASES
    assert set(SPECIAL) <= set(CASES)


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
def test_invalid_manifest(name, cases_folder, monkeypatch):
    folder, skipped = cases_folder
    if name in skipped:  # pragma: no cover - not on Linux
        pytest.skip(skipped[name])
    monkeypatch.chdir(folder)
    expected = (INVALID / f"{name}.expected").read_text("utf-8").splitlines()
    assert _problems(name) == expected
    (result,) = validate_paths([f"{name}.yaml"], environ=ENVIRON)
    assert [p.format() for p in result.problems] == expected
