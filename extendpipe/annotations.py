"""GitHub Actions annotations: manifest problems (and failed runs) as `::error` workflow commands.

A line `::error file=F,line=L,col=C,title=T::MESSAGE` printed on stdout or stderr of a step becomes an
annotation on that file and line in the pull request. GitHub's runner decodes `%25`, `%0D` and `%0A`
in the message, and also `%3A` and `%2C` in property values (where `:` and `,` are separators), so
those characters are encoded the same way as the actions toolkit's `escapeData`/`escapeProperty`.

GitHub shows only the first 10 error annotations of a step, so `github_annotations` prints at most
`limit` and then one line counting the rest. The file must be relative to the repository root:
pass `workspace` ($GITHUB_WORKSPACE) to turn absolute or cwd-relative paths into that.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

DEFAULT_LIMIT = 10
VALIDATE_TITLE = "extendpipe validate"
APPLY_TITLE = "extendpipe apply"


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    """True when running as a GitHub Actions step (GITHUB_ACTIONS=true)."""
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def escape_data(text) -> str:
    """A workflow command's message: `%`, CR and LF percent-encoded."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text) -> str:
    """A workflow command's property value: as `escape_data`, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties) -> str:
    """One workflow command line (`::level k=v,...::message`); None properties are left out."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value is not None)
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def repo_path(path, workspace: str | None = None) -> str:
    """`path` with forward slashes, relative to `workspace` when it lies inside it."""
    text = os.fspath(path)
    if workspace:
        relative = os.path.relpath(os.path.abspath(text), os.path.abspath(workspace))
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            text = relative
    return PurePosixPath(text.replace(os.sep, "/")).as_posix()


def problem_message(problem) -> str:
    text = f"{problem.json_path or '(root)'}: {problem.message}"
    return f"{text} (hint: {problem.hint})" if problem.hint else text


def _capped(lines: list[str], limit: int, what: str, advice: str) -> list[str]:
    if len(lines) <= limit:
        return lines
    rest = len(lines) - max(limit, 0)
    return lines[:max(limit, 0)] + [command("error", f"{rest} more {what} not shown; {advice}")]


def github_annotations(problems: Iterable, limit: int = DEFAULT_LIMIT, *, workspace: str | None = None,
                       title: str = VALIDATE_TITLE) -> list[str]:
    """One `::error` line per problem (`.path .line .column .json_path .message .hint`), at most `limit`,
    then one line saying how many more there are."""
    lines = [command("error", problem_message(p), file=repo_path(p.path, workspace), line=p.line,
                     col=p.column if p.line is not None else None, title=title) for p in problems]
    return _capped(lines, limit, "problem(s)", "run extendpipe validate locally")


def run_annotations(report: dict, limit: int = DEFAULT_LIMIT, *, workspace: str | None = None) -> list[str]:
    """One `::error` line per run of an apply report that did not succeed, on the manifest file."""
    manifest = repo_path(report["manifest"]["path"], workspace)
    lines = []
    for run in report["runs"]:
        if run["success"]:
            continue
        why = run.get("failureMessage") or run.get("failureReason") or run["outcome"]
        status = run.get("status") or "no run"
        lines.append(command("error", f"{run['path']}: {status}: {why}", file=manifest,
                             title=f"{APPLY_TITLE}: {run['step']}"))
    return _capped(lines, limit, "run(s) did not succeed and are", "see the report")
