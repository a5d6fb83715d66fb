"""`extendpipe plan` and `extendpipe apply`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import click

from extendpipe.cli_common import (
    DURATION,
    connected,
    interrupt_handling,
    key_file_secrets,
    setup_logging,
    shown,
    target_from_options,
    target_options,
)
from extendpipe.constants import PROCESSED
from extendpipe.errors import InputError
from extendpipe.lockfile import LockFile
from extendpipe.output import echo_err, echo_out, summary_lines
from extendpipe.outputguard import check_outputs, refuse_inputs
from extendpipe.statedir import state_dir_for
from extendpipe.statelock import StateLock
from extendpipe.target import EMBEDDED

# The core (plan, client, urllib3, jsonschema) is imported inside the commands that need it, so
# that `extendpipe --help` and shell completion start fast.

EXIT_PLAN_PENDING = 4  # plan --detailed-exitcode: work pending (0: nothing to do)
PLAN_VERSION = 1


def read_saved_plan(path: str) -> dict | None:
    """The plan document `plan -o` wrote, when MANIFEST names one (a JSON file); else None."""
    if not path.endswith(".json"):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a saved plan: {exc} (hint: give a manifest, or a file from `plan -o`)") from None
    if not isinstance(doc, dict) or doc.get("planVersion") != PLAN_VERSION or not isinstance(doc.get("runs"), list):
        raise InputError(f"{path}: not a saved plan (hint: give a manifest, or a file from `plan -o`)")
    return doc


class Parsed(click.ParamType):
    """An option parsed by a core class's `parse`, imported only when the option is given."""

    def __init__(self, name: str, module: str, attribute: str):
        self.name, self.module, self.attribute = name, module, attribute

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        import importlib

        try:
            return getattr(importlib.import_module(self.module), self.attribute).parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


RATE_LIMIT = Parsed("plan", "extendpipe.client.pacing", "RateLimit")
SHARD = Parsed("I/N", "extendpipe.plan", "Shard")


def manifest_options(fn):
    options = [
        click.argument("manifest_path", metavar="MANIFEST", type=click.Path(dir_okay=False)),
        click.option("--state-dir", type=click.Path(file_okay=False),
                     help="State folder: ledger, lock, embedded store (default: .extendpipe beside the manifest)."),
        click.option("--allow-needs-review/--no-allow-needs-review", default=None,
                     help="Count NEEDS_REVIEW as success."),
        click.option("--allow-outside", is_flag=True,
                     help="Allow globs that match files outside the manifest's folder."),
        click.option("--force", is_flag=True, help="Submit every file again, even those already processed."),
        click.option("--retry-failed/--no-retry-failed", default=True, show_default=True,
                     help="Submit again the runs that ended badly in an earlier apply."),
        click.option("--no-reconcile", is_flag=True,
                     help="With no ledger, do not look on the server for runs already made."),
        click.option("--shard", type=SHARD, help="Only shard I of N (e.g. 2/4), split by fingerprint; "
                     "`extendpipe report merge` combines the shard reports."),
        click.option("--rate-limit", type=RATE_LIMIT,
                     help="Pace requests: payg, scale, enterprise, none, or rps=N,runs=M "
                          "(default: none on loopback, such as the emulator; payg elsewhere)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return target_options(fn)


def _options(manifest, opts: dict, **extra):
    from extendpipe.apply import ApplyOptions

    s = manifest.settings
    state = state_dir_for(manifest, opts["state_dir"])
    allow_review = opts["allow_needs_review"]
    return ApplyOptions(
        state_dir=state, force=opts["force"], retry_failed=opts["retry_failed"], reconcile=not opts["no_reconcile"],
        allow_needs_review=allow_review if allow_review is not None else bool(s.allow_needs_review),
        concurrency=extra.pop("concurrency", None) or s.concurrency or 8,
        connect_timeout=opts["connect_timeout"], read_timeout=opts["read_timeout"],
        max_retry_wait=opts["max_retry_wait"], ca_bundle=opts["ca_bundle"], allow_outside=opts["allow_outside"],
        shard=opts["shard"], **extra)


def _rate_limit(opts: dict, target, manifest):
    """The option, else the manifest's setting; else no pacing on loopback (the emulator), PAYG elsewhere."""
    from extendpipe.client.pacing import RateLimit
    from extendpipe.client.transport import LOOPBACK_HOSTS

    if opts["rate_limit"] is not None:
        return opts["rate_limit"]
    if manifest.settings.rate_limit:
        return RateLimit.parse(manifest.settings.rate_limit)
    local = target.kind == EMBEDDED or urlsplit(target.base_url).hostname in LOOPBACK_HOSTS
    return RateLimit.parse("none" if local else "payg")


@click.command()
@manifest_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Also write the plan as JSON to this file.")
@click.option("--detailed-exitcode", is_flag=True,
              help=f"Exit {EXIT_PLAN_PENDING} when there is work to do, 0 when there is none.")
def plan(as_json, out, detailed_exitcode, **opts) -> int:
    """Show what apply would do, file by file: submit, reuse, resume, retry. Changes nothing."""
    from extendpipe.apply import plan_manifest
    from extendpipe.manifest import load_manifest
    from extendpipe.outfile import write_output
    from extendpipe.report import encoded_chunks

    setup_logging(opts["verbose"])
    manifest = load_manifest(opts["manifest_path"], secrets=key_file_secrets(opts))
    target = target_from_options(opts)
    options = _options(manifest, opts)
    check_outputs([(out, "plan")], manifest, options.state_dir)
    options.rate_limit = _rate_limit(opts, target, manifest)
    with interrupt_handling(), StateLock(options.state_dir, "plan"), connected(target, options.state_dir) as live:
        planned, requests = plan_manifest(manifest, live, options)
    refuse_inputs([(out, "plan")], manifest, (p.desired for p in planned))
    counts = Counter(p.action for p in planned)
    from extendpipe.apply import plan_rows

    doc = {"planVersion": PLAN_VERSION, "pipeline": manifest.name,
           "manifest": {"path": shown(manifest.path), "absolutePath": str(manifest.path), "sha256": manifest.sha256},
           "shard": str(options.shard) if options.shard else None,
           "summary": dict(sorted(counts.items())), "requests": requests, "runs": plan_rows(planned)}
    if out:
        write_output(Path(out), encoded_chunks(doc), "plan")
    if as_json:
        echo_out(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for row in doc["runs"]:
            echo_out(f"{row['action']:<7} {row['step']}  {row['path']}  ({row['reason']})")
    summary = ", ".join(f"{n} to {a}" for a, n in doc["summary"].items()) or "nothing"
    echo_err(f"{manifest.name}: {len(planned)} run(s): {summary}")
    pending = sum(n for a, n in counts.items() if a in ("submit", "retry", "resume"))
    return EXIT_PLAN_PENDING if detailed_exitcode and pending else 0


@click.command()
@manifest_options
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Where to write the JSON report (default: STATE_DIR/reports/<manifest name>.json).")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Uploads and creates at once (default 8).")
@click.option("--wait-timeout", type=DURATION, help="Give up waiting for runs after this long (default 1h).")
@click.option("--poll-interval", type=DURATION, help="Time between status sweeps (default 1s).")
@click.option("--locked", is_flag=True, help="Every step the manifest leaves unpinned must have a version "
              "in the lock file (MANIFEST.lock); it is sent, and the lock file is not changed.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False),
              help="Also write a JUnit XML file: a test case per run, for CI test tabs.")
@click.option("--json", "as_json", is_flag=True, help="Also print the report on stdout (one JSON document).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print only runs that did not succeed, and the summary (no target, plan or progress lines).")
def apply(report_path, concurrency, wait_timeout, poll_interval, locked, junit_path, as_json, quiet, **opts) -> int:
    """Submit one workflow run per input file, wait for all of them, write the report.

    MANIFEST may also be a plan saved with `plan -o plan.json`: apply then runs exactly what it
    showed, and refuses if the manifest, the files or the server's state changed since.
    """
    from extendpipe.apply import apply_manifest
    from extendpipe.manifest import load_manifest

    setup_logging(opts["verbose"])
    saved = read_saved_plan(opts["manifest_path"])
    if saved is not None:  # `apply plan.json`: the plan's manifest, unchanged, and exactly its runs
        opts["manifest_path"] = saved["manifest"]["absolutePath"]
        if saved.get("shard") and not opts["shard"]:
            opts["shard"] = SHARD.convert(saved["shard"], None, None)
    manifest = load_manifest(opts["manifest_path"], secrets=key_file_secrets(opts))
    if saved is not None and saved["manifest"]["sha256"] != manifest.sha256:
        raise InputError(f"{manifest.path}: the manifest changed since the plan was saved (hint: run "
                         "`extendpipe plan -o` again and review it)")
    target = target_from_options(opts)
    s = manifest.settings
    options = _options(manifest, opts, concurrency=concurrency,
                       poll_interval=poll_interval if poll_interval is not None else (s.poll_interval or 1.0),
                       wait_timeout=wait_timeout if wait_timeout is not None else (s.wait_timeout or 3600.0))
    options.rate_limit = _rate_limit(opts, target, manifest)
    options.lock, options.locked = LockFile.for_manifest(manifest), locked
    options.expected_plan = saved["runs"] if saved is not None else None
    options.report_path = (Path(report_path) if report_path
                           else options.state_dir / "reports" / f"{Path(opts['manifest_path']).stem}.json")
    from extendpipe.apply import desired_runs

    if as_json and sys.stdout is None:  # found before any request, like an output file that cannot be written
        raise InputError(f"stdout is closed, so --json has nowhere to print the report (hint: redirect stdout "
                         f"to a file, e.g. > report.json, or leave out --json: the report is written to "
                         f"{shown(options.report_path)} anyway)")
    outputs = [(options.report_path, "report"), (junit_path, "JUnit file")]
    check_outputs(outputs, manifest, options.state_dir)
    # Resolve every glob before anything starts, so a bad pattern costs no emulator and no request.
    desired = desired_runs(manifest, options)
    refuse_inputs(outputs, manifest, desired)

    from extendpipe.progress import Progress

    mode = "quiet" if quiet else ("verbose" if opts["verbose"] else "normal")
    progress = Progress(sys.stderr, label=manifest.name, mode=mode)

    def on_change(result) -> None:
        progress.run_changed(result.status, result.desired.step.name, result.desired.path, result.run_id,
                             result.failure_message if result.status != PROCESSED else None,
                             final=result.final or result.outcome == "error",
                             success=result.succeeded(options.allow_needs_review))

    def on_start(planned) -> None:
        counts = Counter(p.action for p in planned)
        if not quiet:
            echo_err(f"{manifest.name}: {len(planned)} run(s): "
                     + (", ".join(f"{n} to {a}" for a, n in sorted(counts.items())) or "nothing to do"))
        progress.start(len(planned))

    with interrupt_handling(), StateLock(options.state_dir), connected(target, options.state_dir, quiet) as live:
        outcome = apply_manifest(manifest, live, options, on_change=on_change, on_start=on_start,
                                 on_tick=progress.tick, desired=desired)
    progress.finish()
    for line in summary_lines(outcome.report, shown(options.report_path)):
        echo_err(line)
    write_ci_outputs(outcome.report, junit_path)
    if as_json:
        from extendpipe.report import document_chunks

        for chunk in document_chunks(outcome.report):  # a run at a time: never the whole report in memory
            echo_out(chunk, nl=False)
    return outcome.exit_code


def write_ci_outputs(report: dict, junit_path: str | None, environ=None) -> None:
    """JUnit XML, the GitHub step summary and run annotations, as the environment asks."""
    env = os.environ if environ is None else environ
    if junit_path:
        from extendpipe.junit import render_junit
        from extendpipe.outfile import write_output

        write_output(Path(junit_path), render_junit(report), "JUnit file")
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        from extendpipe.markdown import render_step_summary

        try:
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write(render_step_summary(report) + "\n")
        except OSError as exc:
            echo_err(f"warning: {summary_file}: cannot append the step summary: {exc.strerror or exc}")
    from extendpipe.annotations import in_github_actions, run_annotations

    if in_github_actions(env):
        for line in run_annotations(report, workspace=env.get("GITHUB_WORKSPACE")):
            echo_err(line)


@click.command()
@click.argument("manifest_path", metavar="MANIFEST", type=click.Path(dir_okay=False))
@click.option("--upgrade", is_flag=True, help="Forget the locked versions: the next apply takes the latest "
              "published version of each unpinned step and records it.")
def lock(manifest_path, upgrade) -> int:
    """Show (or --upgrade) the workflow versions locked for a manifest's unpinned steps."""
    from extendpipe.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    lock_file = LockFile.for_manifest(manifest)
    if upgrade:
        dropped = sorted(lock_file.versions)
        lock_file.forget()
        lock_file.write()
        echo_err(f"{shown(lock_file.path)}: dropped {len(dropped)} locked version(s); the next apply "
                 "records the latest published ones")
        return 0
    for step in manifest.steps:
        if step.version is not None:
            echo_out(f"{step.name}: {step.workflow_id} version {step.version} (pinned in the manifest)")
        else:
            version = lock_file.locked_version(step)
            echo_out(f"{step.name}: {step.workflow_id} "
                       + (f"version {version} (locked)" if version else "not locked yet (latest published)"))
    return 0
