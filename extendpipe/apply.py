"""plan and apply as functions: manifest → desired runs → plan → executor → report.

No CLI and no emulator here: the caller hands in a Target whose base URL is live.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from extendpipe.client import ExtendClient
from extendpipe.client.pacing import RateLimit
from extendpipe.desired import iter_desired_runs
from extendpipe.errors import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUNS_FAILED,
    ApiError,
    InputError,
    Interrupted,
    StateError,
)
from extendpipe.executor import Executor, ExecutorSettings
from extendpipe.ledger import Ledger
from extendpipe.lockfile import LockFile
from extendpipe.manifest.model import Manifest
from extendpipe.plan import PlannedRun, Shard, make_plan
from extendpipe.reconcile import Reconciler
from extendpipe.report import build_report, write_report
from extendpipe.results import OutputSpool, RunResult
from extendpipe.statedir import own_paths
from extendpipe.target import EMBEDDED, Target, client_for
from extendpipe.timestamps import utc_now

log = logging.getLogger("extendpipe.apply")


@dataclass
class ApplyOptions:
    state_dir: Path
    report_path: Path | None = None
    force: bool = False
    retry_failed: bool = True
    reconcile: bool = True
    concurrency: int = 8
    poll_interval: float = 1.0
    wait_timeout: float = 3600.0
    allow_needs_review: bool = False
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retry_wait: float = 60.0
    ca_bundle: str | None = None
    allow_outside: bool = False
    rate_limit: RateLimit = RateLimit(None, None)
    shard: Shard | None = None
    lock: LockFile | None = None      # None: no lock file is read or written
    expected_plan: list | None = None  # `apply plan.json`: the runs `plan -o` showed; anything else is refused
    locked: bool = False              # --locked: every unpinned step must have a lock entry


@dataclass
class ApplyOutcome:
    report: dict
    exit_code: int
    error: Exception | None


def ledger_key(target: Target) -> str | None:
    """Which journal a target uses: the embedded emulator's, or one per remote base URL."""
    return None if target.kind == EMBEDDED else target.base_url


def plan_rows(plan: list[PlannedRun]) -> list[dict]:
    return [p.as_dict() for p in sorted(plan, key=lambda p: p.desired.report_key)]


def check_plan_unchanged(plan: list[PlannedRun], expected: list[dict]) -> None:
    """A saved plan is carried out only as shown: same runs, same actions, same fingerprints."""
    keys = ("step", "path", "action", "fingerprint")
    now = [tuple(row[k] for k in keys) for row in plan_rows(plan)]
    then = [tuple(row.get(k) for k in keys) if isinstance(row, dict) else (None,) * len(keys) for row in expected]
    if Counter(now) != Counter(then):  # the order of the rows does not matter; a repeated row does
        mismatched = (Counter(now) - Counter(then)) + (Counter(then) - Counter(now))
        changed = sorted({row[:2] for row in mismatched}, key=lambda key: tuple(map(str, key)))
        named = [f"{step} {path}" for step, path in changed[:3] if isinstance(path, str)]  # escaped by the CLI
        which = f": {', '.join(named)}" if named else ""
        if named and len(changed) > len(named):
            which += f" and {len(changed) - len(named)} more"
        raise InputError(f"the saved plan no longer matches: {len(changed)} run(s) differ{which} (files, the "
                         "manifest or the server changed since) (hint: run `extendpipe plan -o` again and review it)")


def exit_code_for(results: list[RunResult], allow_needs_review: bool) -> int:
    return EXIT_OK if all(r.succeeded(allow_needs_review) for r in results) else EXIT_RUNS_FAILED


def _client(target: Target, options: ApplyOptions) -> ExtendClient:
    return client_for(target, connect_timeout=options.connect_timeout, read_timeout=options.read_timeout,
                      max_retry_wait=options.max_retry_wait, ca_bundle=options.ca_bundle,
                      pool_size=max(4, options.concurrency + 2), rate_limit=options.rate_limit)


def _plan(manifest, desired, journal, reconciler, options) -> list[PlannedRun]:
    return make_plan(desired, journal, reconciler=reconciler, reconcile_without_ledger=options.reconcile,
                     force=options.force,
                     retry_failed=options.retry_failed, allow_needs_review=options.allow_needs_review,
                     shard=options.shard)


def desired_runs(manifest: Manifest, options: ApplyOptions) -> list:
    """Every desired run; the state folder and the lock file are never inputs (ManifestError on a bad glob)."""
    return list(iter_desired_runs(manifest, allow_outside=options.allow_outside,
                                  reserved=own_paths(manifest, options.state_dir)))


def plan_manifest(manifest: Manifest, target: Target, options: ApplyOptions) -> tuple[list[PlannedRun], dict]:
    """What apply would do, run by run, and the requests it cost (the server is only read)."""
    desired = desired_runs(manifest, options)
    journal = Ledger(options.state_dir, ledger_key(target)).load()
    with _client(target, options) as client:
        reconciler = Reconciler(client)
        plan = _plan(manifest, desired, journal, reconciler, options)
        return plan, _requests(client, reconciler)


def _requests(client: ExtendClient, reconciler: Reconciler) -> dict:
    requests = dict(client.transport.stats)
    requests.update(reconcileLookups=reconciler.lookups, reconcileRequests=reconciler.requests,
                    reconcileAdopted=reconciler.adopted)
    return dict(sorted(requests.items()))


def apply_manifest(manifest: Manifest, target: Target, options: ApplyOptions, *,
                   on_change: Callable[[RunResult], None] | None = None,
                   on_start: Callable[[list[PlannedRun]], None] | None = None,
                   on_tick: Callable[[], None] | None = None, desired: list | None = None) -> ApplyOutcome:
    """Run the manifest against the target; always write the report, even when stopped early (by the
    API, an interrupt, or a state folder that cannot be written).

    Globs are resolved (and may raise ManifestError) before any request is sent.
    """
    if desired is None:
        desired = desired_runs(manifest, options)
    lock = options.lock
    if lock is not None and options.locked and lock.missing(manifest.steps):
        raise InputError(f"{lock.path}: no locked version for step(s) {', '.join(lock.missing(manifest.steps))} "
                         "(hint: run apply without --locked once to record them, and commit the lock file)")
    locked_versions = {s.name: lock.locked_version(s) for s in manifest.steps if lock and lock.locked_version(s)}
    started_at, t0 = utc_now(), time.monotonic()
    settings = ExecutorSettings(concurrency=options.concurrency, poll_interval=options.poll_interval,
                                wait_timeout=options.wait_timeout)
    error: Exception | None = None
    ledger = Ledger(options.state_dir, ledger_key(target))
    journal = ledger.load()
    with _client(target, options) as client, ledger:
        reconciler = Reconciler(client)
        executor = Executor(client, manifest.name, settings, ledger=ledger, known_file_ids=journal.file_ids,
                            reconciler=reconciler, on_change=on_change, on_tick=on_tick,
                            locked_versions=locked_versions, spool=OutputSpool.open(),
                            local_failure=target.failure)
        try:
            plan = _plan(manifest, desired, journal, reconciler, options)
            if options.expected_plan is not None:
                check_plan_unchanged(plan, options.expected_plan)
            if on_start:
                on_start(plan)
            results = executor.run(plan)
            exit_code = exit_code_for(results, options.allow_needs_review)
        except ApiError as exc:
            results, exit_code, error = executor.results, EXIT_API, exc
        except StateError as exc:  # the journal (or the embedded emulator's store) cannot be written
            results, exit_code, error = executor.results, exc.exit_code, exc
        except (Interrupted, KeyboardInterrupt) as exc:
            results, exit_code = executor.results, EXIT_INTERRUPTED
            error = exc if isinstance(exc, Interrupted) else Interrupted("interrupted while planning")
    if ledger.failure is not None and not isinstance(error, (StateError, Interrupted)):
        exit_code, error = ledger.failure.exit_code, ledger.failure  # a write that failed where nothing raised
    if not results and options.shard is None:  # stopped before the plan was made: list every desired run
        results = [RunResult(PlannedRun(d, None, None, None)) for d in desired]
    report = build_report(manifest=manifest, target=target.describe(), results=results,
                          started_at=started_at, finished_at=utc_now(), duration=time.monotonic() - t0,
                          exit_code=exit_code, allow_needs_review=options.allow_needs_review,
                          interrupted=isinstance(error, Interrupted), error=str(error) if error else None,
                          requests=_requests(client, reconciler),
                          shard=str(options.shard) if options.shard else None)
    try:
        write_report(options.report_path, report)
    except InputError as exc:
        if not isinstance(error, StateError):
            raise
        # The report is in the full state folder too (its default place): say both, the cause first.
        raise StateError(f"{error}; nor could the report be written: {exc}") from None
    if lock is not None and not options.locked:
        changed = [lock.record(r.desired.step, r.workflow_version) for r in results if r.workflow_version]
        if any(changed):
            try:
                lock.write()
            except OSError as exc:
                log.warning("%s: cannot record the locked versions: %s", lock.path, exc.strerror or exc)
    return ApplyOutcome(report, exit_code, error)
