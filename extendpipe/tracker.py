"""Status tracking for runs in flight: one list sweep per poll cycle, one GET per run once final.

A sweep lists runs sorted by `updatedAt`, newest first, and stops at the watermark: a little
before the newest change the previous sweep saw (or before the oldest in-flight run's creation),
so one sweep costs one request however many runs are in flight, and pages only through what
changed since. A run the sweeps have not sighted for a while is fetched directly, so no run
waits forever on an ordering surprise.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Callable

from extendpipe.client import ExtendClient
from extendpipe.constants import FINAL_STATUSES
from extendpipe.results import RunResult
from extendpipe.timestamps import parse_time

WATERMARK_MARGIN = timedelta(seconds=2)
UNSEEN_RUN_GET_AFTER = 30.0  # seconds without a sweep sighting before a run is fetched directly


class Tracker:
    def __init__(self, client: ExtendClient, *, clock: Callable[[], float], page_size: int = 1000,
                 on_status: Callable[[RunResult], None] | None = None):
        self.client = client
        self.clock = clock
        self.page_size = page_size
        self.on_status = on_status or (lambda result: None)
        self._lock = threading.Lock()
        self._in_flight: dict[str, RunResult] = {}
        self._fetching: set[str] = set()
        self._due: set[str] = set()  # run ids to GET: final (for outputs) or status unknown
        self._watermark: datetime | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def track(self, result: RunResult) -> None:
        """Follow a run that is not final yet (just created, resumed, or status unknown)."""
        with self._lock:
            self._in_flight[result.run_id] = result
            if result.status is None or result.status in FINAL_STATUSES:
                self._due.add(result.run_id)
            created = parse_time(result.submitted_at)
            if created is not None:
                mark = created - WATERMARK_MARGIN
                if self._watermark is None or mark < self._watermark:
                    self._watermark = mark

    def untrack(self, result: RunResult) -> None:
        with self._lock:
            self._in_flight.pop(result.run_id, None)
            self._fetching.discard(result.run_id)
            self._due.discard(result.run_id)

    def in_flight(self) -> list[RunResult]:
        with self._lock:
            return list(self._in_flight.values())

    def sweep(self) -> int:
        """One sweep; returns the number of list requests it took."""
        with self._lock:
            if not self._in_flight:
                return 0
            watermark = self._watermark
            workflows = {r.desired.step.workflow_id for r in self._in_flight.values()}
        filters = {"workflow_id": next(iter(workflows))} if len(workflows) == 1 else {}
        newest: datetime | None = None
        token, pages = None, 0
        while True:
            pages += 1
            page, token = self.client.list_runs_page(sort_by="updatedAt", sort_dir="desc",
                                                     max_page_size=self.page_size, page_token=token, **filters)
            now = self.clock()
            # The page is sorted newest change first: its ends bound every change on it.
            oldest = parse_time(page[-1].get("updatedAt")) if page else None
            if newest is None and page:
                newest = parse_time(page[0].get("updatedAt"))
            for summary in page:
                with self._lock:
                    result = self._in_flight.get(summary.get("id"))
                if result is None:
                    continue
                result.last_seen = now
                status = summary.get("status")
                if status and status != result.status:
                    result.status = status
                    result.started_at = summary.get("startTime") or result.started_at
                    if status in FINAL_STATUSES:
                        with self._lock:
                            self._due.add(result.run_id)
                    else:
                        self.on_status(result)
            if not token or (watermark is not None and oldest is not None and oldest < watermark):
                break
        with self._lock:
            if newest is not None:
                self._watermark = newest - WATERMARK_MARGIN
            now = self.clock()
            for result in self._in_flight.values():
                if now - result.last_seen > UNSEEN_RUN_GET_AFTER:
                    result.status = None  # unknown: fetch it directly
                    result.last_seen = now
                    self._due.add(result.run_id)
        return pages

    def due_fetches(self) -> list[RunResult]:
        """Runs to GET now: final ones (for outputs) and ones whose status is unknown."""
        with self._lock:
            ids = [run_id for run_id in self._due if run_id not in self._fetching]
            self._due.difference_update(ids)
            self._fetching.update(ids)
            return [self._in_flight[run_id] for run_id in ids if run_id in self._in_flight]

    def fetch(self, result: RunResult) -> bool:
        """GET the run; returns True when it is final (and so no longer tracked)."""
        try:
            run = self.client.get_run(result.run_id)
            result.record(run, self.clock())
        finally:
            with self._lock:
                self._fetching.discard(result.run_id)
        if result.final:
            self.untrack(result)
            return True
        self.track(result)
        return False
