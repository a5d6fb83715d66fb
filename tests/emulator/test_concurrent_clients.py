"""200 concurrent clients hammer create, get and list for DURATION seconds over loopback HTTP.

What must hold: no 5xx other than the injected ones (told apart by their message), no transport error,
no lost or duplicated run (every run id a create answered exists exactly once, and the store holds as
many runs as the creates answered), and after a restart on the same SQLite file the same runs, the
same status for every run that had finished, and the runs still in flight processed.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from urllib.parse import quote, urlsplit

import pytest

import extendpipe.constants as constants
from extendpipe.emulator import Emulator

CLIENTS = 200
DURATION = 30.0  # seconds of hammering (the number)
KEY = "hammer-key"
INJECTED = "Injected fault (hammer)"
HEADERS = {
    "Authorization": f"Bearer {KEY}",
    constants.API_VERSION_HEADER: constants.API_VERSION,
    "Content-Type": "application/json",
}


class Tally:
    """What the clients saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: Counter = Counter()  # (operation, status) -> count
        self.created: list[str] = []  # run ids from successful creates, duplicates kept
        self.problems: list[str] = []  # anything not allowed (first few kept in full)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def call(conn: http.client.HTTPConnection, method: str, path: str, body=None) -> tuple[int, dict]:
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=HEADERS)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def hammer(index: int, port: int, deadline: float, tally: Tally) -> None:
    """One client: create, get its own runs, list (sometimes following tokens) until the deadline."""
    rng = random.Random(index)
    workflow = f"workflow_hammer_{index % 5}"
    mine: list[str] = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while time.monotonic() < deadline:
            operation = rng.choice(("create", "get", "list")) if mine else "create"
            try:
                if operation == "create":
                    count = rng.choice((1, 1, 2, 3))
                    texts = [f"Invoice number: C{index}-{len(mine)}-{i}\nTotal: 9.99 EUR" for i in range(count)]
                    body = {"workflowId": workflow, "rawTexts": texts, "metadata": {"client": index}}
                    status, answer = call(conn, "POST", "/workflow_runs", body)
                elif operation == "get":
                    run_id = rng.choice(mine)
                    status, answer = call(conn, "GET", f"/workflow_runs/{run_id}")
                    if status == 200 and answer["workflowRun"]["id"] != run_id:
                        tally.problem(f"GET {run_id} answered {answer['workflowRun']['id']}")
                else:
                    status, answer = list_pages(conn, rng, workflow, tally)
            except (OSError, http.client.HTTPException) as exc:
                tally.problem(f"client {index}: {operation}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with tally.lock:
                tally.answers[(operation, status)] += 1
            if status == 200 and operation == "create":
                ids = [run["id"] for run in answer["workflowRuns"]]
                if len(ids) != len(body["rawTexts"]):
                    tally.problem(f"create of {len(body['rawTexts'])} answered {len(ids)} runs")
                mine += ids
                with tally.lock:
                    tally.created += ids
            elif status >= 500 and (answer or {}).get("error") != INJECTED:
                tally.problem(f"{operation}: {status} {answer}")
            elif status != 200 and status < 500:
                tally.problem(f"{operation}: {status} {answer}")
    finally:
        conn.close()


def list_pages(conn, rng: random.Random, workflow: str, tally: Tally) -> tuple[int, dict]:
    """A first page (maybe filtered), then up to two more pages by token; ids must not repeat."""
    query = f"maxPageSize={rng.choice((1, 10, 100))}"
    if rng.random() < 0.5:
        query += f"&workflowId={workflow}"
    if rng.random() < 0.3:
        query += "&sortBy=createdAt&sortDir=asc"
    seen: list[str] = []
    token = None
    for _ in range(3):
        path = "/workflow_runs?" + query + (f"&nextPageToken={quote(token, safe='')}" if token else "")
        status, answer = call(conn, "GET", path)
        if status != 200:
            return status, answer
        seen += [run["id"] for run in answer["workflowRuns"]]
        token = answer.get("nextPageToken")
        if token is None:
            break
    if len(seen) != len(set(seen)):
        tally.problem(f"one listing repeated runs: {query}")
    return status, answer


def list_everything(conn) -> dict[str, str]:
    """run id -> status over every page, createdAt ascending; a repeated id fails."""
    statuses: dict[str, str] = {}
    token = None
    while True:
        path = "/workflow_runs?maxPageSize=1000&sortBy=createdAt&sortDir=asc"
        status, answer = call(conn, "GET", path + (f"&nextPageToken={quote(token, safe='')}" if token else ""))
        assert status == 200, answer
        for run in answer["workflowRuns"]:
            assert run["id"] not in statuses, f"{run['id']} listed twice"
            statuses[run["id"]] = run["status"]
        token = answer.get("nextPageToken")
        if token is None:
            return statuses


def backend_statuses(emu: Emulator) -> dict[str, str]:
    """The same listing through the HTTP-free backend (works before start())."""
    statuses: dict[str, str] = {}
    query = {"maxPageSize": ["1000"], "sortBy": ["createdAt"], "sortDir": ["asc"]}
    while True:
        answer = emu.backend.list_runs(query)
        statuses.update((run["id"], run["status"]) for run in answer["workflowRuns"])
        if "nextPageToken" not in answer:
            return statuses
        query["nextPageToken"] = [answer["nextPageToken"]]


@pytest.mark.slow
def test_200_clients_hammering_lose_nothing_and_survive_a_restart(tmp_path):
    db = tmp_path / "hammer.sqlite3"
    emu = Emulator(db, api_keys={KEY}, workers=2)
    emu.start()
    tally = Tally()
    try:
        # Injected server errors, answered before any work is done; clients must tell them apart.
        emu.faults.add(route="GET /workflow_runs*", status=503, probability=0.01, count=None, message=INJECTED)
        emu.faults.add(route="POST /workflow_runs", status=500, probability=0.01, count=None, message=INJECTED)
        port = urlsplit(emu.url).port
        deadline = time.monotonic() + DURATION
        threads = [
            threading.Thread(target=hammer, args=(i, port, deadline, tally), daemon=True, name=f"hammer-{i}")
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(1.0, deadline + 120 - time.monotonic()))
        assert not [t.name for t in threads if t.is_alive()], "every client finished"
        emu.faults.clear()

        assert tally.problems == [], f"{len(tally.problems)} problems, first: {tally.problems[:5]}"
        injected = sum(n for (_, status), n in tally.answers.items() if status >= 500)
        assert injected > 0, "the injected faults were hit"
        for operation in ("create", "get", "list"):
            assert tally.answers[(operation, 200)] > CLIENTS, tally.answers
        assert len(tally.created) == len(set(tally.created)), "no run id answered twice"

        # Some runs are surely in flight at the restart: the workers stop taking runs, then a few more.
        emu.pause()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for i in range(5):
                body = {"workflowId": "workflow_last", "rawTexts": [f"Invoice number: L{i}"]}
                status, answer = call(conn, "POST", "/workflow_runs", body)
                assert status == 200, answer
                tally.created += [run["id"] for run in answer["workflowRuns"]]
            listed = list_everything(conn)
        finally:
            conn.close()
        assert sorted(listed) == sorted(tally.created), "the store holds exactly the runs creates answered"
    finally:
        emu.stop()

    restarted = Emulator(db, api_keys={KEY}, workers=2)
    at_stop = backend_statuses(restarted)  # before start(): what the first emulator left on disk
    assert sorted(at_stop) == sorted(tally.created)
    in_flight = {run_id for run_id, status in at_stop.items() if status in constants.IN_FLIGHT_STATUSES}
    assert len(in_flight) >= 5
    restarted.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", urlsplit(restarted.url).port, timeout=60)
        try:
            after = list_everything(conn)
            assert sorted(after) == sorted(at_stop)
            assert {i: s for i, s in after.items() if i not in in_flight} == {
                i: s for i, s in at_stop.items() if i not in in_flight
            }, "finished runs keep their status"
            assert restarted.wait_idle(180), "the runs left in flight are processed"
            after = list_everything(conn)
        finally:
            conn.close()
        assert set(after.values()) == {constants.PROCESSED}
    finally:
        restarted.stop()
