"""`extendpipe runs list|get|update|cancel`: the API's run calls from the shell."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from extendpipe.cli_common import connected, setup_logging, target_from_options, target_options
from extendpipe.constants import ALL_STATUSES, MAX_PAGE_SIZE
from extendpipe.errors import EXIT_RUNS_FAILED, ApiError, InputError
from extendpipe.output import echo_err, echo_out, printable
from extendpipe.statedir import DEFAULT_STATE_DIR
from extendpipe.target import EMBEDDED, client_for

# The server's "no" about the run asked for (not found, cannot be cancelled): the command ran and
# the answer is negative, as kubectl exits 1 for a missing object. 3 stays for an unusable API.
REFUSALS = frozenset({400, 404, 409, 422})

TABLE_COLUMNS = ("id", "status", "workflowId", "workflowName", "createdAt", "updatedAt")


def state_dir_option(fn):
    return click.option("--state-dir", type=click.Path(file_okay=False), default=DEFAULT_STATE_DIR,
                        show_default=True, help="Where the embedded emulator keeps its store (no key set).")(fn)


def refusal_exits_1(command):
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ApiError as exc:
            if exc.status not in REFUSALS:
                raise
            echo_err(f"error: {exc}")
            return EXIT_RUNS_FAILED
    return wrapper


def _client(opts: dict, live):
    return client_for(live, connect_timeout=opts["connect_timeout"], read_timeout=opts["read_timeout"],
                      max_retry_wait=opts["max_retry_wait"], ca_bundle=opts["ca_bundle"])


def _session(opts: dict):
    setup_logging(opts["verbose"])
    target = target_from_options(opts)
    state = Path(opts["state_dir"])
    if target.kind == EMBEDDED and not (state / "emulator.sqlite3").exists():
        raise InputError(f"{state}: no embedded emulator store here (hint: pass --state-dir with the "
                         "folder beside your manifest, e.g. --state-dir pipelines/.extendpipe, or set "
                         "EXTEND_API_KEY for the Extend API)")
    return connected(target, state)


def _table(rows: list[dict]) -> str:
    cells = [[printable(r.get(c) if r.get(c) is not None else "-") for c in TABLE_COLUMNS] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(TABLE_COLUMNS)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(TABLE_COLUMNS, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _print_run(run: dict, as_json: bool) -> None:
    if as_json:
        echo_out(json.dumps(run, indent=2, sort_keys=True))
        return
    for key in ("id", "name", "status", "workflow", "metadata", "initialRunAt", "startTime", "endTime",
                "failureReason", "failureMessage"):
        if run.get(key) is not None:
            value = run[key]
            echo_out(f"{key}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")


@click.group()
def runs() -> None:
    """List, inspect, update and cancel workflow runs."""


@runs.command("list")
@click.option("--status", type=click.Choice(ALL_STATUSES), help="Only runs in this status.")
@click.option("--workflow", "workflow_id", help="Only runs of this workflow id.")
@click.option("--batch", "batch_id", help="Only runs of this batch id.")
@click.option("--file-name-contains", help="Only runs whose file name contains this text.")
@click.option("--sort-by", type=click.Choice(["updatedAt", "createdAt"]), default="updatedAt", show_default=True)
@click.option("--sort-dir", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--page-size", type=click.IntRange(1, MAX_PAGE_SIZE), default=100, show_default=True)
@click.option("--page-token", help="Start from this page token.")
@click.option("--all", "all_pages", is_flag=True, help="Follow page tokens to the end.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@state_dir_option
@target_options
@refusal_exits_1
def list_runs(as_json, all_pages, page_token, page_size, **opts) -> int:
    """List run summaries (one page, or every page with --all)."""
    filters = {"status": opts.pop("status"), "workflow_id": opts.pop("workflow_id"),
               "batch_id": opts.pop("batch_id"), "file_name_contains": opts.pop("file_name_contains"),
               "sort_by": opts.pop("sort_by"), "sort_dir": opts.pop("sort_dir")}
    with _session(opts) as live, _client(opts, live) as client:
        if all_pages:
            if page_token:
                raise InputError("--all starts from the first page (hint: drop --page-token)")
            rows, token = list(client.iter_runs(max_page_size=page_size, **filters)), None
        else:
            rows, token = client.list_runs_page(max_page_size=page_size, page_token=page_token, **filters)
    if as_json:
        doc = {"workflowRuns": rows}
        if token:
            doc["nextPageToken"] = token
        echo_out(json.dumps(doc, indent=2, sort_keys=True))
    else:
        echo_out(_table(rows))
        if token:
            click.echo(f"(more: --page-token '{token}' or --all)", err=True)
    return 0


@runs.command("get")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="The whole run as JSON on stdout.")
@state_dir_option
@target_options
@refusal_exits_1
def get_run(run_id, as_json, **opts) -> int:
    """Show one run, with its outputs in --json."""
    with _session(opts) as live, _client(opts, live) as client:
        _print_run(client.get_run(run_id), as_json)
    return 0


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _parse_metadata(values: tuple[str, ...]) -> dict | None:
    if not values:
        return None
    merged: dict = {}
    for value in values:
        if value.lstrip().startswith("{"):
            try:
                doc = json.loads(value, parse_constant=_no_constant)
            except ValueError as exc:
                raise InputError(f"--metadata {value!r} is not valid JSON: {exc}") from None
            if not isinstance(doc, dict):
                raise InputError("--metadata JSON must be an object")
            merged.update(doc)
        elif "=" in value:
            key, _, raw = value.partition("=")
            try:
                merged[key] = json.loads(raw, parse_constant=_no_constant)  # NaN, Infinity: kept as text
            except ValueError:
                merged[key] = raw
        else:
            raise InputError(f"--metadata {value!r}: use key=value or a JSON object")
    return merged


@runs.command("update")
@click.argument("run_id")
@click.option("--name", help="New run name.")
@click.option("--metadata", multiple=True, help="key=value (value parsed as JSON when it can be) or a JSON "
              "object; merged into the run's metadata, these keys win.")
@click.option("--json", "as_json", is_flag=True)
@state_dir_option
@target_options
@refusal_exits_1
def update_run(run_id, name, metadata, as_json, **opts) -> int:
    """Rename a run or merge metadata into it."""
    meta = _parse_metadata(metadata)
    if name is None and meta is None:
        raise InputError("nothing to update (hint: give --name or --metadata)")
    with _session(opts) as live, _client(opts, live) as client:
        _print_run(client.update_run(run_id, name=name, metadata=meta), as_json)
    return 0


@runs.command("cancel")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@state_dir_option
@target_options
@refusal_exits_1
def cancel_run(run_id, as_json, **opts) -> int:
    """Cancel a PENDING or PROCESSING run."""
    with _session(opts) as live, _client(opts, live) as client:
        _print_run(client.cancel_run(run_id), as_json)
    return 0
