"""Listing 2,500 runs: every run exactly once, in the requested order, for page sizes from 1 to 1,000 and
both sorts in both directions, while a run changes status (and so `updatedAt`) between every two pages.

Page sizes: a fixed set around the edges (1, 2, 3, page sizes that do and do not divide 2,500, the maximum)
plus a seeded sample of 20 more from 11 to 998. Between pages, alternately a run already seen and a run
not seen yet changes status: sorted by updatedAt, it jumps to the newest end, where a plain keyset cursor
would see the first again (ascending) or never see the second (descending).

The ~23,000 pages go through `Backend.list_runs`, the function `GET /workflow_runs` calls with the parsed
query string: over HTTP they would not fit the time budget, and HTTP, URL-encoded tokens and the SDK's
paging are covered by test_list_pagination.py and the SDK contract tests. The workers are paused, so the
test's own status changes are the only ones, and every page must show each run's current status.
"""

from __future__ import annotations

import random
from itertools import cycle

import pytest

import extendpipe.constants as constants
from extendpipe.emulator import Emulator
from extendpipe.emulator.ids import now

RUNS = 2500
FIXED_SIZES = [1, 2, 3, 7, 10, 49, 50, 99, 100, 101, 250, 333, 499, 500, 999, 1000]
SAMPLED_SIZES = random.Random(2500).sample(sorted(set(range(11, 999)) - set(FIXED_SIZES)), 20)
ORDERS = [("updatedAt", "asc"), ("updatedAt", "desc"), ("createdAt", "asc"), ("createdAt", "desc")]
# Statuses the churn cycles through (not CANCELLING: the janitor would move it on by itself).
STATUSES = [s for s in constants.ALL_STATUSES if s != constants.CANCELLING]


class Model:
    """What the test knows the store holds: creation order, createdAt, updatedAt and status per run."""

    def __init__(self, runs: list[dict]):
        self.seq = {run["id"]: i for i, run in enumerate(runs)}
        self.created = {run["id"]: run["created_at"] for run in runs}
        self.updated = dict(self.created)
        self.status = {run["id"]: run["status"] for run in runs}
        self.next_status = {run["id"]: cycle(STATUSES[1:] + STATUSES[:1]) for run in runs}

    def order(self, sort_by: str, sort_dir: str) -> list[str]:
        stamps = self.created if sort_by == "createdAt" else self.updated
        return sorted(self.seq, key=lambda i: (stamps[i], self.seq[i]), reverse=sort_dir == "desc")


@pytest.mark.slow
def test_every_run_once_in_order_for_page_sizes_1_to_1000_while_statuses_change(tmp_path):
    emu = Emulator(tmp_path / "pages.sqlite3", workers=1)
    emu.start()
    try:
        emu.pause()
        runs = []
        for batch in range(RUNS // 50):
            texts = [f"Invoice number: {batch}-{i}" for i in range(50)]
            runs += emu.backend.create_runs({"workflowId": "workflow_pages", "rawTexts": texts})
        model = Model(runs)
        rng = random.Random(7)

        def change_status(run_id: str) -> None:
            status, stamp = next(model.next_status[run_id]), now()
            assert emu.store.update_run(run_id, status=status, updated_at=stamp)
            model.status[run_id], model.updated[run_id] = status, stamp

        for size in FIXED_SIZES + SAMPLED_SIZES:
            for sort_by, sort_dir in ORDERS:
                expected = model.order(sort_by, sort_dir)
                seen: list[str] = []
                token, pages = None, 0
                while True:
                    query = {"maxPageSize": [str(size)], "sortBy": [sort_by], "sortDir": [sort_dir]}
                    if token:
                        query["nextPageToken"] = [token]
                    answer = emu.backend.list_runs(query)
                    page = answer["workflowRuns"]
                    where = (size, sort_by, sort_dir, len(seen))
                    assert len(page) == min(size, RUNS - len(seen)), where
                    for summary in page:  # each run with its current fields
                        assert summary["status"] == model.status[summary["id"]], where
                        assert summary["updatedAt"] == model.updated[summary["id"]], where
                    seen += [summary["id"] for summary in page]
                    token = answer.get("nextPageToken")
                    if token is None:
                        break
                    pages += 1  # between pages, alternately a run already seen and one still to come
                    change_status(rng.choice(seen) if pages % 2 else expected[rng.randrange(len(seen), RUNS)])
                assert seen == expected, (size, sort_by, sort_dir)
        assert emu.store.count_status(tuple(constants.ALL_STATUSES)) == RUNS
    finally:
        emu.stop()

