"""The worker pool: PENDING → PROCESSING → PROCESSED / FAILED / NEEDS_REVIEW …, in priority order.

Workers claim the first PENDING run (lowest priority number, then creation order), spend
`processing_delay` seconds in PROCESSING, then run the workflow. A cancel during processing wins:
the run ends CANCELLED. Any exception while processing fails that run (INTERNAL_ERROR) and is logged;
the worker keeps going. On start, runs a previous process left PROCESSING go back to PENDING.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import urllib.request
from typing import Any, Callable, Optional

import extendpipe.constants as constants

from . import parsing, render
from .ids import now
from .store import Store, is_storage_failure
from .workflows import Outcome, Workflows

log = logging.getLogger(__name__)
IDLE_POLL = 0.2


class Engine:
    def __init__(
        self,
        store: Store,
        workflows: Workflows,
        *,
        workers: int = 2,
        processing_delay: float = 0.0,
        hooks: Optional[Any] = None,
    ):
        self.store = store
        self.workflows = workflows
        self.workers = max(1, workers)
        self.processing_delay = processing_delay
        self.hooks = hooks  # optional fault controller: .forced_outcome(run) -> ForcedOutcome | None
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._claiming = threading.Lock()  # pause() waits for a claim in progress
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    # Lifecycle.
    def start(self) -> None:
        self.store.recover(now())
        self._stop.clear()
        for index in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"emulator-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        janitor = threading.Thread(target=self._janitor, name="emulator-janitor", daemon=True)
        janitor.start()
        self._threads.append(janitor)

    def stop(self) -> None:
        self._stop.set()
        self.notify()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def notify(self) -> None:
        """Wake workers and waiters: something changed."""
        with self._changed:
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once no run is PENDING, PROCESSING or CANCELLING; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.store.count_status(tuple(constants.IN_FLIGHT_STATUSES)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                self._changed.wait(min(remaining, IDLE_POLL))
        return True

    # Work.
    def _loop(self) -> None:
        with self.store.urgent():
            self._work()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self._step()
            except Exception as exc:  # a store error must not kill the worker
                _log_error("emulator worker error", exc)
                worked = False
            if not worked:
                with self._changed:
                    self._changed.wait(IDLE_POLL)

    def _janitor(self) -> None:
        """Finish cancels of runs no worker holds (cancelled while PENDING): CANCELLING → CANCELLED."""
        with self.store.urgent():
            self._finish_cancels()

    def _finish_cancels(self) -> None:
        while not self._stop.is_set():
            try:
                for run_id in self.store.unclaimed_cancelling():
                    stamp = now()
                    self.store.update_run(
                        run_id,
                        only_if_status=(constants.CANCELLING,),
                        status=constants.CANCELLED,
                        end_time=stamp,
                        updated_at=stamp,
                    )
                    self.notify()
            except Exception as exc:  # a store error must not kill the janitor
                _log_error("emulator janitor error", exc)
            with self._changed:
                self._changed.wait(IDLE_POLL)

    def _hold(self, run_id: str) -> bool:
        """Spend processing_delay in PROCESSING; False if the emulator stops first.

        Returns early (True) when the run is being cancelled."""
        deadline = time.monotonic() + self.processing_delay
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            with self._changed:
                self._changed.wait(min(remaining, IDLE_POLL))
            current = self.store.get_run(run_id)
            if current is None or current["status"] != constants.PROCESSING:
                return True
        return False

    def pause(self) -> None:
        """Stop taking new runs (runs already PROCESSING finish); PENDING runs stay PENDING."""
        with self._claiming:
            self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self.notify()

    def _step(self) -> bool:
        with self._claiming:
            run = None if self._paused.is_set() else self.store.claim_next(now())
        if run is None:
            return False
        self.notify()
        if self.processing_delay and not self._hold(run["id"]):
            return True  # shutting down: left PROCESSING, recovered as PENDING on next start
        outcome = self._outcome(run)
        if outcome is None:  # a "stuck" fault: the run stays PROCESSING (a cancel still ends it)
            self.store.update_run(run["id"], claimed=0)
            return True
        stamp = now()
        done = self.store.update_run(
            run["id"],
            only_if_status=(constants.PROCESSING,),
            status=outcome.status,
            outputs=outcome.outputs,
            step_runs=outcome.step_runs,
            failure_reason=outcome.failure_reason,
            failure_message=outcome.failure_message,
            end_time=stamp,
            updated_at=stamp,
            claimed=0,
        )
        if not done:
            self.store.update_run(
                run["id"],
                only_if_status=(constants.CANCELLING,),
                status=constants.CANCELLED,
                end_time=stamp,
                updated_at=stamp,
                claimed=0,
            )
        self.notify()
        return True

    def _outcome(self, run: dict[str, Any]) -> Optional[Outcome]:
        """The run's outcome; None when a forced STUCK outcome keeps it PROCESSING."""
        forced = self.hooks.forced_outcome(run) if self.hooks is not None else None
        if forced is not None and forced.status == "STUCK":
            return None
        if forced is not None and forced.status == constants.FAILED:
            return Outcome(
                constants.FAILED,
                failure_reason=forced.failure_reason or "FORCED_FAILURE",
                failure_message=forced.failure_message or "Failure forced by the emulator's faults.",
            )
        try:
            outcome = self._process(run)
        except Exception as exc:  # any bug in processing fails this run only
            if is_storage_failure(exc):
                raise  # not this run's fault; nor could its failure be saved: it stays PROCESSING
            log.exception("processing run %s failed", run["id"])
            return Outcome(
                constants.FAILED,
                failure_reason="INTERNAL_ERROR",
                failure_message=f"Internal error while processing: {type(exc).__name__}",
            )
        if forced is not None and outcome.status != constants.FAILED:
            outcome = dataclasses.replace(outcome, status=forced.status)
        return outcome

    def _process(self, run: dict[str, Any]) -> Outcome:
        record = self.store.get_file(run["file_id"], with_data=True)
        if record is None:
            return Outcome(
                constants.FAILED, failure_reason="FILE_NOT_FOUND", failure_message="The file was deleted."
            )
        try:
            text = self._text(record)
        except parsing.ParseError as exc:
            return Outcome(constants.FAILED, failure_reason=exc.reason, failure_message=exc.message)
        workflow = self.workflows.resolve_for_run(run)
        refreshed = self.store.get_file(run["file_id"]) or record
        return workflow.run(workflow, render.file_json(refreshed), text)

    def _text(self, record: dict[str, Any]) -> str:
        if record.get("raw_text") is not None:
            return record["raw_text"]  # parsed data from earlier runs is reused
        data = record.get("data")
        if data is None and record.get("url"):
            data = _download(record["url"])
            detected = parsing.detect_type(record["name"], data)
            record["type"] = record.get("type") or detected
            self.store.update_file(record["id"], data=data, type=record["type"], updated_at=now())
        if data is None:
            raise parsing.ParseError("EMPTY_DOCUMENT", "The file has no content.")
        text, pages = parsing.extract_text(record.get("type"), data)
        self.store.update_file(record["id"], raw_text=text, page_count=pages, updated_at=now())
        return text


def _log_error(what: str, exc: Exception) -> None:
    """A bug with its traceback; a store that cannot be written is logged once, by the store."""
    if is_storage_failure(exc):
        log.debug("%s: %s", what, exc)
    else:  # pragma: no cover - defensive: no known bug gets here
        log.error(what, exc_info=exc)


def _download(url: str, opener: Callable[..., Any] = urllib.request.urlopen) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise parsing.ParseError("FILE_DOWNLOAD_FAILED", f"Unsupported file URL: {url}")
    try:
        with opener(url, timeout=15) as response:
            return response.read()
    except OSError as exc:
        raise parsing.ParseError(
            "FILE_DOWNLOAD_FAILED", f"The file URL could not be downloaded: {exc}"
        ) from exc
