"""The lock file beside a manifest (`invoices.lock`): the workflow version each unpinned step resolved to.

API 2025-04-21 has no endpoint that says which version "latest published" is, so the lock learns it
from the runs themselves (`workflow.version` on each run):
- apply sends a step's locked version when the manifest does not pin one, so the same commit runs
  the same versions even after a new version is published;
- a step with no entry is sent without a version and its entry is written from what its runs report;
- `apply --locked` refuses to start when an unpinned step has no entry, and counts a run whose
  version differs from the lock as not successful (CI's "the lock is the truth" mode);
- `extendpipe lock --upgrade` drops the entries, so the next apply takes the latest published
  version again and records it.
Fingerprints use the manifest's requested version, not the locked one: moving the lock does not
by itself resubmit files already processed (use --force for that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from extendpipe.errors import InputError
from extendpipe.statedir import lock_path

LOCK_VERSION = 1


@dataclass
class LockFile:
    path: Path
    pipeline: str
    versions: dict[str, dict] = field(default_factory=dict)   # step → {workflowId, version}

    @classmethod
    def for_manifest(cls, manifest) -> LockFile:
        path = lock_path(manifest)
        lock = cls(path, manifest.name)
        if not path.exists():
            return lock
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("lockVersion") != LOCK_VERSION or not isinstance(doc.get("steps"), dict):
                raise ValueError("not a version 1 lock file")
            lock.versions = {name: {"workflowId": str(entry["workflowId"]), "version": str(entry["version"])}
                             for name, entry in doc["steps"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}: cannot read the lock file: {exc} (hint: delete it, or run "
                             "`extendpipe lock --upgrade` to write it again)") from None
        return lock

    def locked_version(self, step) -> str | None:
        """The version to send for an unpinned step, or None (no entry, or another workflow now)."""
        entry = self.versions.get(step.name)
        if step.version is not None or entry is None or entry["workflowId"] != step.workflow_id:
            return None
        return entry["version"]

    def missing(self, steps) -> list[str]:
        return [s.name for s in steps if s.version is None and self.locked_version(s) is None]

    def record(self, step, version: str | None) -> bool:
        """Remember what an unpinned step ran; True when the lock changed."""
        if step.version is not None or not version or self.locked_version(step) == version:
            return False
        self.versions[step.name] = {"workflowId": step.workflow_id, "version": version}
        return True

    def forget(self) -> None:
        self.versions = {}

    def write(self) -> None:
        from extendpipe.report import write_json

        if not self.versions:
            self.path.unlink(missing_ok=True)
            return
        write_json(self.path, {"lockVersion": LOCK_VERSION, "pipeline": self.pipeline,
                               "steps": dict(sorted(self.versions.items()))})
