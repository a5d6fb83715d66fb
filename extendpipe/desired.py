"""Desired runs: what a manifest asks for, one per (step, file) or (step, raw text), and fingerprints.

A fingerprint names a desired run's content: the step, workflow id, requested version, the input's
sha256 and the canonical metadata. Same fingerprint, same work: reruns reuse it instead of paying
for it twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extendpipe.errors import ManifestError
from extendpipe.files import iter_step_files
from extendpipe.manifest.model import Manifest, Step


@dataclass(frozen=True)
class DesiredRun:
    step: Step
    step_index: int
    path: str                 # POSIX path relative to the manifest's folder, or "raw_texts[i]"
    abspath: Path | None      # None for a raw text
    raw_text: str | None = None

    @property
    def sort_key(self):
        """Submission order: lower priority number first, then manifest order, then path."""
        return (self.step.priority, self.step_index, self.path)

    @property
    def report_key(self):
        """Report order: step (manifest order), then path."""
        return (self.step_index, self.path)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(step: Step, content_sha256: str, path: str) -> str:
    """The identity of one unit of work; any change to what would be sent changes it.

    Beyond the step, workflow id, requested version, content and canonical metadata, the input's
    path is part of it: two files with identical bytes are two runs, each reported under its own
    path (one run could carry only one path in its metadata, and reports would cross them).
    """
    doc = {"step": step.name, "workflowId": step.workflow_id, "version": step.version,
           "sha256": content_sha256, "metadata": step.metadata, "path": path}
    return "sha256:" + hashlib.sha256(canonical_json(doc).encode()).hexdigest()


def iter_desired_runs(manifest: Manifest, allow_outside: bool = False, reserved=()) -> Iterator[DesiredRun]:
    """Every desired run of the manifest, step by step, paths sorted.

    Every step's globs are resolved first, so that one ManifestError reports the problems of all
    steps before anything is yielded (and so before any request is sent). `reserved`: extendpipe's
    own paths (the state folder, the lock file), never inputs (see extendpipe.files).
    """
    files: list[list[str]] = []
    problems = []
    for step in manifest.steps:
        try:
            files.append(iter_step_files(manifest, step, allow_outside=allow_outside, reserved=reserved))
        except ManifestError as exc:
            problems.extend(exc.problems)
            files.append([])
    if problems:
        raise ManifestError(problems)
    for index, step in enumerate(manifest.steps):
        for relpath in files[index]:
            yield DesiredRun(step, index, relpath, manifest.base_dir / relpath)
        for i, text in enumerate(step.inputs.raw_texts):
            yield DesiredRun(step, index, f"raw_texts[{i}]", None, raw_text=text)
