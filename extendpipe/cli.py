"""The `extendpipe` command: click commands, output, and errors turned into exit codes.

Nothing imports this module. Commands return an int; `main` is the one place where exceptions
become exit codes (DESIGN.md's table) and where an unexpected bug becomes one line on stderr plus
a log file holding the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from extendpipe import __version__
from extendpipe.cli_apply import apply, lock, plan
from extendpipe.cli_common import (
    DURATION_OR_ZERO,
    interrupt_handling,
)
from extendpipe.cli_report import report
from extendpipe.cli_runs import runs
from extendpipe.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ExtendpipeError,
    InputError,
    ManifestError,
)
from extendpipe.output import discard_stdout, echo_err, echo_out, printable
from extendpipe.statedir import DEFAULT_STATE_DIR


class ExtendpipeGroup(click.Group):
    """A group whose commands return exit codes; every exception is turned into one here."""

    def invoke(self, ctx):
        try:
            code = super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            code = exit_code_for_exception(exc)
        ctx.exit(code if isinstance(code, int) else 0)

    def make_context(self, info_name, args, parent=None, **extra):
        """The group's own options (`--help`, `--version`) go through the same handler."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except (BrokenPipeError, KeyboardInterrupt) as exc:
            raise click.exceptions.Exit(exit_code_for_exception(exc)) from None


@click.group(cls=ExtendpipeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="extendpipe")
def cli() -> None:
    """Declarative pipelines for the Extend document-processing API.

    With no EXTEND_API_KEY set, commands use an embedded local emulator of the API.
    """


# validate ---------------------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--allow-outside", is_flag=True, help="Allow globs that match files outside the manifest's folder.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with every problem.")
def validate(paths, allow_outside, as_json) -> int:
    """Check manifests (files or folders of *.yaml) and resolve their globs. No network."""
    from extendpipe.validate import validate_paths

    results = validate_paths(list(paths), allow_outside=allow_outside)
    problems = [p for r in results for p in r.problems]
    if as_json:
        echo_out(json.dumps({"valid": not problems, "files": [
            {"path": r.path, "steps": r.step_count, "inputs": r.file_count,
             "problems": [p.format() for p in r.problems]} for r in results]}, indent=2))
    for problem in problems:
        echo_err(printable(problem.format()))
    annotate(problems)
    if not as_json:
        for r in results:
            if not r.problems:
                echo_err(f"{r.path}: ok ({r.step_count} step(s), {r.file_count} input(s))")
    if problems:
        echo_err(f"{len(problems)} problem(s) in {sum(1 for r in results if r.problems)} file(s)")
        return EXIT_USAGE
    return 0


# serve ------------------------------------------------------------------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8790, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", "db_path", default=f"{DEFAULT_STATE_DIR}/emulator.sqlite3", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite store; runs survive a restart.")
@click.option("--api-key", "api_keys", multiple=True, help="Accepted key (repeat); default: any non-empty key.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--processing-delay", type=DURATION_OR_ZERO, default="0", show_default=True,
              help="Time each run spends in PROCESSING.")
@click.option("--strict", is_flag=True, help="Unknown workflow ids get 404, as on the real API.")
@click.option("--workflows", "workflows_file", type=click.Path(exists=True, dir_okay=False),
              help="Workflow definitions (YAML): versions, extract fields, classify and review rules.")
@click.option("--rate-limit", default="none", show_default=True,
              help="Answer 429 past these limits: payg, scale, enterprise, or none.")
@click.option("--fault", "faults", multiple=True, metavar="JSON",
              help='Inject a fault from the start (repeat), as POST /_emulator/faults takes it, e.g. '
                   '\'{"route": "*", "status": 503, "probability": 0.1, "count": null}\'.')
@click.option("--allow-remote-host", is_flag=True, help="Allow a host other than loopback.")
def serve(host, port, db_path, api_keys, workers, processing_delay, strict, workflows_file, rate_limit, faults,
          allow_remote_host) -> int:
    """Run the Extend API emulator on its own until Ctrl-C."""
    from extendpipe.cli_common import open_emulator, start_emulator

    if host not in ("127.0.0.1", "localhost", "::1") and not allow_remote_host:
        raise InputError(f"--host {host} is not loopback (hint: the emulator has no real security; "
                         "add --allow-remote-host if you mean it)")
    emulator = open_emulator(Path(db_path), "--db", host=host, port=port, api_keys=set(api_keys) or None,
                             workers=workers, processing_delay=processing_delay, strict=strict,
                             workflows_file=workflows_file, rate_limit=rate_limit)
    for text in faults:
        try:
            body = json.loads(text)
            if not isinstance(body, dict):
                raise ValueError("a fault is a JSON object")
            emulator.faults.add_json(body)
        except (ValueError, TypeError) as exc:
            raise InputError(f"--fault {text!r}: {exc} (hint: see `extendpipe serve --help` and the README's "
                             "fault injection section)") from None
    try:
        url = start_emulator(emulator, "--db")
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (hint: stop the other server, "
                         "or pass --port 0 to pick a free port)") from None
    try:
        echo_out(url)
        echo_err(f"Extend emulator listening on {url} (API 2025-04-21, store {db_path}); Ctrl-C stops it")
        with interrupt_handling():  # Ctrl-C or SIGTERM: stop cleanly, exit 0
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        echo_err("stopping")
    finally:
        emulator.stop()
    return 0


# schema -----------------------------------------------------------------------------------------
@cli.command()
@click.argument("name", type=click.Choice(["pipeline", "report"]), default="pipeline")
@click.option("--reference", is_flag=True, help="Print the manifest reference table (Markdown) instead.")
def schema(name, reference) -> int:
    """Print a published JSON Schema (the manifest's or the report's)."""
    if reference:
        from extendpipe.reference import readme_section

        echo_out(readme_section())
        return 0
    from extendpipe.schemafiles import load_schema

    echo_out(json.dumps(load_schema(name), indent=2))
    return 0


cli.add_command(runs)
cli.add_command(plan)
cli.add_command(apply)
cli.add_command(lock)
cli.add_command(report)


# entry point ------------------------------------------------------------------------------------
def _crash_log(exc: BaseException) -> str:
    fd, path = tempfile.mkstemp(prefix="extendpipe-crash-", suffix=".log")
    with os.fdopen(fd, "w") as fh:
        fh.write(f"extendpipe {__version__}\n")
        fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return path


def annotate(problems) -> None:
    """In GitHub Actions, also print the problems as annotations on the manifest's lines."""
    from extendpipe.annotations import github_annotations, in_github_actions

    if problems and in_github_actions():
        for line in github_annotations(problems, workspace=os.environ.get("GITHUB_WORKSPACE")):
            echo_err(line)


def exit_code_for_exception(exc: BaseException) -> int:
    """Print what the user needs about an exception and return its exit code (DESIGN.md)."""
    if isinstance(exc, ManifestError):
        for problem in exc.problems:
            echo_err(printable(problem.format()))
        annotate(exc.problems)
        echo_err(f"{len(exc.problems)} problem(s); nothing was submitted")
        return exc.exit_code
    if isinstance(exc, ExtendpipeError):
        echo_err(printable(f"error: {exc}"))
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        echo_err("interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        # The reader went away (`| head`): stop quietly, as Unix tools do (the report is written by then).
        discard_stdout()
        return EXIT_BROKEN_PIPE
    path = _crash_log(exc)
    echo_err(f"internal error: {type(exc).__name__} (a bug; the traceback is in {path})")
    return EXIT_INTERNAL


def main() -> None:
    try:
        cli(prog_name="extendpipe")
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            # The report is written; do not wait for worker threads still inside a request.
            for stream in (sys.stdout, sys.stderr):
                try:
                    if stream is not None:
                        stream.flush()
                except OSError:  # a reader that went away: nothing more can be said to it
                    pass
            os._exit(EXIT_INTERRUPTED)
        raise
