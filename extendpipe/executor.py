"""Carry out a plan: upload, submit, resume, reuse and wait, with bounded concurrency.

Per-run failures are values in the results; only what stops the whole apply (auth, network, a
server that keeps failing, a state folder that cannot be written) is raised, and `Executor.results`
stays readable for the report.
Every request that changes the server is journalled in the ledger before it is sent and after it
is answered. A create whose answer is lost is never blindly resent: the server is searched for it
first (reconcile.py), and it is resent only when certainly absent.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Callable

from extendpipe.client import ExtendClient
from extendpipe.errors import ApiError, Interrupted, StateError, TransportError
from extendpipe.ledger import Ledger, LedgerClosed
from extendpipe.plan import KEEP, RESUME, REUSE, UNREADABLE, PlannedRun
from extendpipe.reconcile import Reconciler
from extendpipe.results import ERROR, RESUMED, REUSED, SUBMITTED, TIMED_OUT, OutputSpool, RunResult
from extendpipe.tracker import Tracker

log = logging.getLogger("extendpipe.executor")

# Client errors on a create that concern this one file (the server refused it): a value, not a stop.
PER_RUN_CLIENT_ERRORS = frozenset({400, 404, 409, 413, 415, 422})
MAX_CREATE_ATTEMPTS = 3


@dataclass
class ExecutorSettings:
    concurrency: int = 8
    poll_interval: float = 1.0
    wait_timeout: float = 3600.0
    page_size: int = 1000


class Completions:
    """Finished tasks, collected for the apply loop, which is woken only when it has work to do:
    the submissions in flight fell to `low_water` (time to stream more of the plan), a task raised,
    or nothing is left in flight. Waking it for every finished task cost more CPU than its work
    (benchmarks/); otherwise it wakes for the next sweep."""

    def __init__(self, low_water: int):
        self._cond = threading.Condition()
        self._done: list[Future] = []
        self._in_flight = {False: 0, True: 0}  # fetch? → tasks started and not finished
        self._low_water = low_water
        self._wake = False

    def started(self, future: Future, fetch: bool) -> None:
        with self._cond:
            self._in_flight[fetch] += 1
        future.add_done_callback(partial(self._finished, fetch))

    def _finished(self, fetch: bool, future: Future) -> None:
        with self._cond:
            self._done.append(future)
            self._in_flight[fetch] -= 1
            failed = future.cancelled() or future.exception() is not None
            if failed or (not fetch and self._in_flight[False] <= self._low_water) or not any(self._in_flight.values()):
                self._wake = True
                self._cond.notify()

    def wait(self, timeout: float) -> list[Future]:
        """The tasks finished since the last call, after waiting up to `timeout` for a reason to wake."""
        with self._cond:
            if not self._wake and timeout > 0:
                self._cond.wait(timeout)
            self._wake = False
            done, self._done = self._done, []
        return done


class Stopped(Exception):
    """The apply is stopping: a worker gives up before sending anything more."""


def raw_text_file_name(desired) -> str:
    """Raw texts are uploaded as text files (what the API does with `rawTexts` anyway), named so that
    a create whose answer was lost can be found again by file name, like any file's."""
    return f"{desired.step.name}.{desired.path}.txt"


def is_ambiguous(exc: ApiError) -> bool:
    """The create may or may not have been committed: the answer was lost or the server erred."""
    return isinstance(exc, TransportError) or (exc.status is not None and exc.status >= 500)


class Executor:
    def __init__(self, client: ExtendClient, pipeline: str, settings: ExecutorSettings, *,
                 ledger: Ledger | None = None, known_file_ids: dict | None = None,
                 reconciler: Reconciler | None = None, on_change: Callable[[RunResult], None] | None = None,
                 on_tick: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic,
                 locked_versions: dict[str, str] | None = None, spool: OutputSpool | None = None,
                 local_failure: Callable[[], StateError | None] | None = None):
        self.client = client
        # The target's own failure (the embedded emulator's store on a full disk): checked as the apply
        # goes, since the server would only answer 500s, and an apply stops with it.
        self.local_failure = local_failure or (lambda: None)
        self.spool = spool  # where runs' outputs wait for the report (None: in memory)
        self.locked_versions = locked_versions or {}  # step name → version, for steps the manifest leaves unpinned
        self.pipeline = pipeline
        self.settings = settings
        self.ledger = ledger
        self.reconciler = reconciler or Reconciler(client)
        self.on_change = on_change or (lambda result: None)
        self.on_tick = on_tick or (lambda: None)
        self.clock = clock
        self.stop = threading.Event()
        self.results: list[RunResult] = []
        self._lock = threading.Lock()
        self._file_ids: dict[str, str] = dict(known_file_ids or {})
        self._earlier_file_ids = frozenset(self._file_ids.values())
        self.tracker = Tracker(client, clock=clock, page_size=settings.page_size, on_status=self.on_change)

    def _journal(self, record: dict) -> None:
        if self.ledger is not None:
            self.ledger.append(record)

    # Submission ---------------------------------------------------------------------------------
    def _metadata(self, planned: PlannedRun) -> dict:
        step = planned.desired.step
        metadata = dict(step.metadata)
        metadata["extendpipe"] = {"fingerprint": planned.fingerprint, "pipeline": self.pipeline,
                                  "step": step.name, "path": planned.desired.path}
        return metadata

    def _file_id_for(self, result: RunResult, fresh: bool = False) -> str:
        """Upload once per content hash (across applies, via the ledger); `fresh` uploads again."""
        sha = result.planned.sha256
        with self._lock:
            known = None if fresh else self._file_ids.get(sha)
        if known:
            result.file_id = known
            return known
        desired = result.desired
        if desired.raw_text is not None:
            uploaded = self.client.upload_bytes(desired.raw_text.encode(), raw_text_file_name(desired))
        else:
            uploaded = self.client.upload_file(desired.abspath, name=desired.path)
        self._journal({"t": "upload", "sha256": sha, "fileId": uploaded["id"]})
        with self._lock:
            if fresh:
                self._file_ids[sha] = uploaded["id"]
            result.file_id = self._file_ids.setdefault(sha, uploaded["id"])
        return result.file_id

    def _create(self, result: RunResult) -> dict:
        planned, step = result.planned, result.desired.step
        desired = result.desired
        name = desired.path if desired.raw_text is None else raw_text_file_name(desired)
        files = [{"fileId": result.file_id, "fileName": name}]
        result.metadata = self._metadata(planned)
        if self.stop.is_set():
            raise Stopped()
        self._journal({"t": "create-intent", "fp": planned.fingerprint, "step": step.name,
                       "path": result.desired.path})
        result.attempts += 1
        result.awaiting_answer = True
        self.reconciler.saw_run(step.workflow_id)
        version = step.version or self.locked_versions.get(step.name)
        try:
            runs = self.client.create_runs(step.workflow_id, files=files, version=version,
                                           priority=step.priority, metadata=result.metadata)
        except ApiError as exc:
            if not is_ambiguous(exc):  # the server answered: no run was made
                result.awaiting_answer = False
            raise
        return runs[0]  # still awaiting_answer until the run is recorded in the result

    def _refused(self, result: RunResult, exc: ApiError, journal: bool) -> None:
        """The server refused this one file (a 4xx about it): a value in the report, not a stop."""
        if journal:
            self._journal({"t": "create-refused", "fp": result.planned.fingerprint, "message": str(exc)})
        result.outcome, result.failure_reason = ERROR, exc.code or f"HTTP_{exc.status}"
        result.failure_message = str(exc)
        self.on_change(result)

    def _submit(self, result: RunResult) -> None:
        try:
            self._submit_unless_stopped(result)
        except (Stopped, LedgerClosed):
            return  # interrupted: the run stays not submitted (or its intent stays in the ledger)

    def _submit_unless_stopped(self, result: RunResult) -> None:
        """Upload (once per content), then create; only a lost create answer is looked up and resent.

        Raw texts go the same way, as uploaded text files, so their lost creates can be found too.

        An upload has its own retry policy (repeating one is harmless); when it still fails, the
        apply stops (exit 3), since the server cannot take files. A refused file is a value.
        """
        if self.stop.is_set():
            return
        planned = result.planned
        run = None
        fresh_file = False
        while run is None:
            if result.file_id is None or fresh_file:
                try:
                    self._file_id_for(result, fresh_file)
                except OSError as exc:  # vanished or unreadable since it was hashed
                    result.planned.reason = f"cannot read {result.desired.path}: {exc.strerror or exc}"
                    return self._unreadable(result)
                except ApiError as exc:
                    if exc.status in PER_RUN_CLIENT_ERRORS:
                        return self._refused(result, exc, journal=False)
                    raise
            try:
                run = self._create(result)
            except ApiError as exc:
                if exc.status in PER_RUN_CLIENT_ERRORS and result.file_id in self._earlier_file_ids \
                        and not fresh_file:
                    fresh_file = True  # a file id remembered from an earlier apply may be gone: upload again
                    continue
                if exc.status in PER_RUN_CLIENT_ERRORS:
                    return self._refused(result, exc, journal=True)
                if not is_ambiguous(exc):
                    # Answered (401, 403, a 429 asking for too long a wait…): nothing was made, which the
                    # journal records so that a rerun submits the file without looking for it first.
                    self._journal({"t": "create-refused", "fp": planned.fingerprint, "message": str(exc)})
                    raise
                log.warning("%s: %s; looking for the run on the server before resending", result.desired.path, exc)
                run = self.reconciler.find(result.desired.step.workflow_id, result.desired.path, planned.fingerprint)
                if run is None and (result.attempts >= MAX_CREATE_ATTEMPTS or self.stop.is_set()):
                    raise
        # The result first: if the journal cannot take the answer (a full disk), the report still shows
        # the run that was made (the intent in the journal lets a rerun find it).
        result.record(run, self.clock())
        result.outcome = SUBMITTED
        result.awaiting_answer = False
        self._journal({"t": "create", "fp": planned.fingerprint, "runId": run["id"], "status": run.get("status")})
        self._follow(result)

    def _follow(self, result: RunResult) -> None:
        if result.final:
            self._finished(result)
        else:
            self.tracker.track(result)
            self.on_change(result)

    def _finished(self, result: RunResult) -> None:
        self._journal({"t": "status", "runId": result.run_id, "status": result.status})
        self.on_change(result)

    def _reuse(self, result: RunResult) -> None:
        """A run done before: fetch it for its outputs (unless reconciliation already did)."""
        planned = result.planned
        run = planned.run
        if run is None:
            try:
                run = self.client.get_run(planned.run_id)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                result.planned.reason = "gone from the server"
                log.warning("%s: run %s is gone from the server; submitting it again", result.desired.path,
                            planned.run_id)
                return self._submit(result)
        result.record(run, self.clock())
        result.outcome = REUSED if planned.action in (REUSE, KEEP) else RESUMED
        self._follow(result)

    def _fetch(self, result: RunResult) -> None:
        if self.tracker.fetch(result):
            self._finished(result)

    def _unreadable(self, result: RunResult) -> None:
        result.outcome, result.failure_reason = ERROR, "FILE_UNREADABLE"
        result.failure_message = result.planned.reason
        self.on_change(result)

    def _task_for(self, result: RunResult) -> Callable[[RunResult], None]:
        action = result.planned.action
        if action == UNREADABLE:
            return self._unreadable
        return self._reuse if action in (REUSE, KEEP, RESUME) else self._submit

    # The whole apply ----------------------------------------------------------------------------
    def run(self, plan: list[PlannedRun]) -> list[RunResult]:
        """Carry out the plan (priority order) and wait until each run is final or time runs out."""
        self.results = [RunResult(p, spool=self.spool) for p in sorted(plan, key=lambda p: p.desired.sort_key)]
        deadline = self.clock() + self.settings.wait_timeout
        submitting: set[Future] = set()
        fetching: set[Future] = set()
        plan_queue = iter(self.results)
        workers = max(1, self.settings.concurrency)
        completions = Completions(low_water=workers)
        # Two pools: fetching finished runs never takes a worker from uploads and creates, so a burst
        # of runs finishing does not stall submission (benchmarks/ showed it did with one pool).
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extendpipe-submit")
        fetch_pool = ThreadPoolExecutor(max_workers=max(2, workers), thread_name_prefix="extendpipe-fetch")

        def start(into: set[Future], on: ThreadPoolExecutor, task, result: RunResult) -> None:
            future = on.submit(task, result)
            into.add(future)
            completions.started(future, fetch=into is fetching)

        abandon = False  # stop without waiting for the requests in flight
        try:
            exhausted, next_sweep, started = False, self.clock(), 0
            while not self.stop.is_set():
                # The plan streams into the pool, ahead of the workers so none idles. The first task
                # runs alone, so a wrong key or a dead server costs one request, not `workers`.
                limit = 1 if started == 1 and submitting else 2 * workers
                while not exhausted and len(submitting) < limit:
                    item = next(plan_queue, None)
                    if item is None:
                        exhausted = True
                    else:
                        start(submitting, pool, self._task_for(item), item)
                        started += 1
                if self.clock() >= next_sweep:
                    self.tracker.sweep()
                    next_sweep = self.clock() + self.settings.poll_interval
                for result in self.tracker.due_fetches():
                    start(fetching, fetch_pool, self._fetch, result)
                if submitting or fetching:
                    for future in completions.wait(min(next_sweep, deadline) - self.clock()):
                        submitting.discard(future)
                        fetching.discard(future)
                        future.result()  # re-raises what stops the apply
                failure = self.local_failure()
                if failure is not None:
                    raise failure
                self.on_tick()
                if exhausted and not submitting and not fetching and not len(self.tracker):
                    break
                if self.clock() >= deadline:
                    break
                if not submitting and not fetching:
                    self.stop.wait(max(0.0, min(next_sweep, deadline) - self.clock()))
        except KeyboardInterrupt:
            abandon = True
            raise Interrupted("interrupted: the report lists what was done; a rerun resumes") from None
        except StateError:
            abandon = True  # the journal or the server's store cannot take what those requests would do
            raise
        except ApiError:
            failure = self.local_failure()  # the server's 500s came from its store: stop with that
            if failure is None:
                raise
            abandon = True
            raise failure from None
        finally:
            self.stop.set()
            # On Ctrl-C, do not wait for requests in flight: the ledger already holds their intents.
            pool.shutdown(wait=not abandon, cancel_futures=True)
            fetch_pool.shutdown(wait=not abandon, cancel_futures=True)
            for result in self.tracker.in_flight():
                if not result.final and self.clock() >= deadline:
                    result.outcome = TIMED_OUT
            if abandon:
                # Workers still inside a request go on changing their results (an answer that comes
                # now cannot be journalled): the report takes them as they are at the stop, so a create
                # in flight reads "sent, its answer never came", as the rerun treats it.
                self.results = [copy.copy(r) for r in self.results]
        return self.results
