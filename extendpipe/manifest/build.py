"""Checks the schema cannot express (unique step names), then the frozen model with defaults applied."""

from __future__ import annotations

import copy

from extendpipe.constants import DEFAULT_PRIORITY
from extendpipe.durations import parse_duration, range_problem
from extendpipe.errors import Problem
from extendpipe.manifest.globs import glob_error
from extendpipe.manifest.jsonpath import format_path
from extendpipe.manifest.model import Inputs, Manifest, Settings, Step

_DURATION_HINTS = {
    "wait_timeout": 'use seconds (600) or a duration like "90s", "10m", "1h30m"',
    "poll_interval": 'use seconds (2) or a duration like "2s", "500ms", "1m"',
}


def semantic_problems(data, doc, shown) -> list:
    """Duplicate step names (the schema cannot say "unique by name"), and durations of zero ("0s") or
    too long."""
    problems, seen = [], {}
    settings = data.get("settings") if isinstance(data, dict) else None
    for key in ("wait_timeout", "poll_interval"):
        value = settings.get(key) if isinstance(settings, dict) else None
        path = ("settings", key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and path not in doc.flagged:
            shown_value = repr(value) if isinstance(value, str) else str(value)
            try:
                seconds = parse_duration(value)
            except ValueError:
                continue  # the schema (or the loader: .inf, .nan) has said so
            # Zero ("0s"; the schema says so of a number), or past the range every duration option takes.
            if seconds <= 0:
                problem = "is not more than 0 seconds" if isinstance(value, str) else None
            else:
                problem = range_problem(seconds)
            if problem:
                line, col = doc.position(path)
                problems.append(Problem(shown, line, col, format_path(path), f"{shown_value} {problem}",
                                        _DURATION_HINTS[key]))
    steps = data.get("steps") if isinstance(data, dict) else None
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        problems += _glob_problems(step, index, doc, shown)
        name = step.get("name") if isinstance(step, dict) else None
        if not isinstance(name, str):
            continue
        path = ("steps", index, "name")
        line, col = doc.position(path)
        if name in seen:
            problems.append(Problem(shown, line, col, format_path(path),
                                    f"duplicate step name '{name}' (first at line {seen[name]})",
                                    "give each step its own name"))
        else:
            seen[name] = line
    return problems


def _glob_problems(step, index, doc, shown) -> list:
    """A problem per include/exclude pattern that is not a valid glob (a backwards range like [z-a])."""
    inputs = step.get("inputs") if isinstance(step, dict) else None
    problems = []
    for field in ("include", "exclude"):
        patterns = inputs.get(field) if isinstance(inputs, dict) else None
        for j, pattern in enumerate(patterns if isinstance(patterns, list) else []):
            path = ("steps", index, "inputs", field, j)
            checkable = isinstance(pattern, str) and "\\" not in pattern and path not in doc.flagged
            error = glob_error(pattern) if checkable else None
            if error:  # a backslash has its own schema message
                line, col = doc.position(path)
                problems.append(Problem(shown, line, col, format_path(path), *error))
    return problems


def build_manifest(data, doc, *, path, sha256, base_dir, shown) -> Manifest:
    """The model from schema-valid data."""
    defaults = data.get("defaults") or {}
    steps = []
    for index, raw in enumerate(data["steps"]):
        inputs = raw["inputs"]
        include = tuple(inputs.get("include", ()))
        where = [doc.position(("steps", index, "inputs", "include", i)) for i in range(len(include))]
        metadata = copy.deepcopy(defaults.get("metadata") or {})
        metadata.update(copy.deepcopy(raw.get("metadata") or {}))
        steps.append(Step(
            name=raw["name"],
            workflow_id=raw["workflow"],
            version=raw["version"] if "version" in raw else defaults.get("version"),
            priority=raw.get("priority", defaults.get("priority", DEFAULT_PRIORITY)),
            metadata=metadata,
            inputs=Inputs(
                include=include,
                exclude=tuple(inputs.get("exclude", ())),
                raw_texts=tuple(inputs.get("raw_texts", ())),
                include_hidden=bool(inputs.get("include_hidden", False)),
                include_lines=tuple(line or 0 for line, _ in where),
                include_columns=tuple(col or 0 for _, col in where),
            ),
            line=doc.position(("steps", index))[0] or 0,
        ))
    raw_settings = data.get("settings") or {}
    settings = Settings(
        concurrency=raw_settings.get("concurrency"),
        wait_timeout=_maybe_duration(raw_settings.get("wait_timeout")),
        poll_interval=_maybe_duration(raw_settings.get("poll_interval")),
        allow_needs_review=raw_settings.get("allow_needs_review"),
        rate_limit=raw_settings.get("rate_limit"),
    )
    return Manifest(path=path, sha256=sha256, name=data["name"], base_dir=base_dir, steps=tuple(steps),
                    settings=settings, display_path=shown)


def _maybe_duration(value):
    return None if value is None else parse_duration(value)
