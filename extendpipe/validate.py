"""`extendpipe validate`: load each manifest and resolve every step's globs. No network."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from extendpipe.errors import ManifestError, Problem
from extendpipe.files import iter_step_files
from extendpipe.manifest import load_manifest
from extendpipe.statedir import own_paths

SUFFIXES = (".yaml", ".yml")


@dataclass
class FileResult:
    """What validating one manifest found; no problems means it is valid."""

    path: str
    problems: list = field(default_factory=list)
    file_count: int = 0
    step_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def expand_paths(paths) -> list:
    """(shown path, problem or None) for each manifest: a folder gives its own *.yaml/*.yml files, sorted.

    In a folder only regular files count (a FIFO named x.yaml would hang the reader); a path given
    directly goes to load_manifest, which says what else it is.
    """
    out = []
    for given in paths:
        shown = os.fspath(given)
        path = Path(given)
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
            children = sorted(
                child for child in os.listdir(path)
                if child.endswith(SUFFIXES) and not child.startswith(".") and (path / child).is_file()
            ) if is_dir else []
        except FileNotFoundError:
            out.append((shown, Problem(shown, None, None, "", "no such file or folder")))
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            out.append((shown, Problem(shown, None, None, "", f"cannot read it: {reason}")))
            continue
        if not is_dir:
            out.append((shown, None))
            continue
        if not children:
            out.append((shown, Problem(shown, None, None, "", "no *.yaml or *.yml file in this folder")))
        here = shown in (".", "./")
        out.extend((child if here else os.path.join(shown, child), None) for child in children)
    return out


def validate_one(shown, environ=None, allow_outside=False) -> FileResult:
    result = FileResult(shown)
    try:
        manifest = load_manifest(shown, environ)
    except ManifestError as exc:
        result.problems = list(exc.problems)
        return result
    result.step_count = len(manifest.steps)
    for step in manifest.steps:
        try:
            result.file_count += len(iter_step_files(manifest, step, allow_outside=allow_outside,
                                                     reserved=own_paths(manifest)))
            result.file_count += len(step.inputs.raw_texts)  # each raw text is one run too
        except ManifestError as exc:
            result.problems.extend(exc.problems)
    result.problems = ManifestError(result.problems).problems  # sorted by line
    return result


def validate_paths(paths, environ=None, allow_outside=False) -> list:
    """A FileResult per manifest found in `paths` (files, or folders of *.yaml/*.yml)."""
    results = []
    for shown, problem in expand_paths(paths):
        if problem is not None:
            results.append(FileResult(shown, [problem]))
        else:
            results.append(validate_one(shown, environ, allow_outside))
    return results
