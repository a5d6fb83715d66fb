"""Find on the server the run a fingerprint already has, when the ledger cannot say.

The API has no idempotency key and list summaries carry neither metadata nor file names, so a
run is found in two steps (DESIGN.md): list runs of the step's workflow whose file name contains
the input's path, then GET each candidate and compare the fingerprint in its metadata. Used when
the ledger is missing (a fresh CI checkout) and when a create's answer was lost.
"""

from __future__ import annotations

import threading

from extendpipe.client import ExtendClient
from extendpipe.constants import FINAL_STATUSES, PROCESSED

# Which of several runs with one fingerprint to adopt: a success, then one still in flight, then
# the rest; the newest within each rank.
_RANK_PROCESSED, _RANK_IN_FLIGHT, _RANK_OTHER = 0, 1, 2


class Reconciler:
    def __init__(self, client: ExtendClient, max_candidates: int = 50):
        self.client = client
        self.max_candidates = max_candidates
        self._lock = threading.Lock()
        self.requests = 0
        self.lookups = 0
        self.adopted = 0
        self._workflow_has_runs: dict[str, bool] = {}

    def _count(self, n: int = 1) -> None:
        with self._lock:
            self.requests += n

    def _has_runs(self, workflow_id: str) -> bool:
        """One request per workflow: a workflow with no runs at all needs no per-file lookups."""
        with self._lock:
            known = self._workflow_has_runs.get(workflow_id)
        if known is None:
            self._count()
            page, _ = self.client.list_runs_page(workflow_id=workflow_id, max_page_size=1)
            known = bool(page)
            with self._lock:
                self._workflow_has_runs[workflow_id] = known
        return known

    def saw_run(self, workflow_id: str) -> None:
        """A run of this workflow was (maybe) created: the shortcut for empty workflows no longer holds."""
        with self._lock:
            self._workflow_has_runs[workflow_id] = True

    def find(self, workflow_id: str, file_name: str, fingerprint: str) -> dict | None:
        """The full run (with outputs) this fingerprint already has on the server, or None."""
        if not self._has_runs(workflow_id):
            return None
        with self._lock:
            self.lookups += 1
        matches: list[dict] = []
        token = None
        seen = 0
        while True:
            self._count()
            page, token = self.client.list_runs_page(workflow_id=workflow_id, file_name_contains=file_name,
                                                     sort_by="createdAt", sort_dir="desc", max_page_size=100,
                                                     page_token=token)
            for summary in page:
                seen += 1
                if seen > self.max_candidates:
                    token = None
                    break
                self._count()
                run = self.client.get_run(summary["id"])
                tag = (run.get("metadata") or {}).get("extendpipe") or {}
                if isinstance(tag, dict) and tag.get("fingerprint") == fingerprint:
                    matches.append(run)
            if not token:
                break
        if not matches:
            return None
        with self._lock:
            self.adopted += 1
        newest_first = sorted(matches, key=lambda run: run.get("initialRunAt") or "", reverse=True)
        return min(newest_first, key=_rank)  # min keeps the first (newest) of equal rank


def _rank(run: dict) -> int:
    status = run.get("status")
    if status == PROCESSED:
        return _RANK_PROCESSED
    return _RANK_IN_FLIGHT if status not in FINAL_STATUSES else _RANK_OTHER
