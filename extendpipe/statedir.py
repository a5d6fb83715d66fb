"""Where extendpipe keeps its own files for a manifest: the state folder and the lock file.

The state folder (ledger, embedded store, apply.lock, reports) is `.extendpipe/` beside the manifest
unless `--state-dir` moves it; the lock file is `<manifest name>.lock` beside the manifest. Neither is
ever an input, whatever a step's globs say: file resolution is handed `own_paths` and leaves them out
(`.extendpipe/` beside the manifest too when `--state-dir` is elsewhere: another run's state is in it).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_STATE_DIR = ".extendpipe"


def state_dir_for(manifest, given=None) -> Path:
    """The state folder: `given` (--state-dir), else `.extendpipe/` beside the manifest."""
    return Path(given) if given else manifest.base_dir / DEFAULT_STATE_DIR


def lock_path(manifest) -> Path:
    """The manifest's lock file: `invoices.lock` beside `invoices.yaml`."""
    return manifest.path.with_suffix(".lock")


def own_paths(manifest, state_dir=None) -> tuple[Path, ...]:
    """extendpipe's own files for this manifest (a folder means everything in it): never inputs."""
    folders = dict.fromkeys((state_dir_for(manifest), state_dir_for(manifest, state_dir)))
    return (*folders, lock_path(manifest))
