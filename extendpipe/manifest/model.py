"""The manifest as the rest of extendpipe sees it: frozen values, defaults already applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Inputs:
    """What a step processes: files matched by globs (relative to the manifest's folder) and raw texts."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    raw_texts: tuple[str, ...] = ()
    include_hidden: bool = False
    include_lines: tuple[int, ...] = ()  # line of each include pattern, for error messages
    include_columns: tuple[int, ...] = ()  # column of each include pattern, for error messages


@dataclass(frozen=True)
class Step:
    """One named step: a workflow run per input, with the step's (merged) version, priority and metadata."""

    name: str
    workflow_id: str
    version: str | None
    priority: int
    metadata: dict = field(hash=False)  # left out of the hash so a Step can be a dict key
    inputs: Inputs
    line: int


@dataclass(frozen=True)
class Settings:
    """Apply settings from the manifest; None means "not set here" (the command line or a default decides)."""

    concurrency: int | None = None
    wait_timeout: float | None = None
    poll_interval: float | None = None
    allow_needs_review: bool | None = None
    rate_limit: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A loaded, validated manifest. `path` and `base_dir` are absolute; `sha256` is of the file's bytes."""

    path: Path
    sha256: str
    name: str
    base_dir: Path
    steps: tuple[Step, ...]
    settings: Settings
    # How the path was given (relative paths stay relative), for messages about this manifest.
    display_path: str = field(default="", compare=False)
