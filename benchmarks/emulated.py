"""The emulator as the benchmark runs it: the scenario's rate limits and latencies, through its public API.

- Rate limits: `Emulator(rate_limit={"rps": …, "runs_per_minute": …})` (emulator/ratelimit.py).
- Answer latency: delay faults (emulator/faults.py) with probabilities, one per (seconds, share) of the
  scenario's mix. The first matching fault wins, so each one's probability is its share of what the
  faults before it left.
- Processing latency: the emulator has one fixed `processing_delay` for every run; the scenario
  needs one per document, so the benchmark registers its workflow as a definition whose run sleeps
  the document's drawn time, then does what the generic invoice workflow does.

Workaround (remove once the emulator sets it): the emulator's server keeps socketserver's listen
backlog of 5, so more than 5 clients connecting at once (a 64-thread pool starting) get some
connections reset ("Server disconnected without sending a response"), which the real API never does.
`start_emulator` raises the backlog to 128 when it is lower.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

from benchmarks.scenario import KEY, WORKFLOW_ID, Scenario
from extendpipe.emulator import Emulator
from extendpipe.emulator.routes import category
from extendpipe.emulator.server import Server
from extendpipe.emulator.workflows import Workflow, generic_invoice

DOC_INDEX = re.compile(r"doc-(\d+)")
LISTEN_BACKLOG = 128


def start_emulator(scenario: Scenario | None, db_path: Path, *, limits: bool = True) -> Emulator:
    """A running emulator; with a scenario: its limits, latencies and slow workflow."""
    if getattr(Server, "request_queue_size", LISTEN_BACKLOG) < LISTEN_BACKLOG:
        Server.request_queue_size = LISTEN_BACKLOG
    if scenario is None:
        emu = Emulator(db_path, api_keys={KEY})
        emu.start()
        return emu
    rate_limit = {"rps": scenario.rps, "runs_per_minute": scenario.runs_per_minute} if limits else None
    emu = Emulator(db_path, api_keys={KEY}, workers=scenario.engine_workers(), rate_limit=rate_limit)
    times = scenario.processing_times()

    def slow_invoice(workflow, file_json, text):
        match = DOC_INDEX.search(os.path.basename(file_json.get("name") or ""))
        index = int(match.group(1)) if match else 0
        time.sleep(times[index % len(times)])
        return generic_invoice(workflow, file_json, text)

    emu.workflows.definitions[WORKFLOW_ID] = {"1": Workflow(WORKFLOW_ID, "Benchmark invoices", "1", slow_invoice)}
    left = 1.0
    for seconds, share in scenario.answer_latency:
        probability = min(1.0, share / left) if left > 1e-9 else 1.0
        emu.faults.add(route="*", delay=seconds, count=None, probability=probability)
        left -= share
    emu.start()
    return emu


def received(emu: Emulator) -> dict:
    """What the emulator received: requests by category (429s included) and 429s."""
    by_category, limited, by_route = Counter(), 0, Counter()
    for request in emu.requests.snapshot():
        by_category[category(request.method, request.path)] += 1
        limited += request.status == 429
        by_route[_route(request.method, request.path)] += 1
    return {"total": sum(by_category.values()), "GET": by_category["GET"], "WRITE": by_category["WRITE"],
            "RUN": by_category["RUN"], "http429": limited, "by_route": dict(sorted(by_route.items()))}


def track_timeline(emu: Emulator) -> dict:
    """From now on, note per route when the emulator first and last received a request (seconds from
    now): {route: [first, last]}. Wraps the request log's `append` on this instance only."""
    marks: dict = {}
    started = time.monotonic()
    append = emu.requests.append

    def timed_append(item) -> None:
        now = round(time.monotonic() - started, 2)
        route = _route(item.method, item.path)
        marks[route] = [marks.get(route, [now])[0], now]
        append(item)

    emu.requests.append = timed_append
    return marks


def _route(method: str, path: str) -> str:
    if path.startswith("/workflow_runs/") and path.count("/") == 2 and path != "/workflow_runs/batch":
        return f"{method} /workflow_runs/{{id}}"
    if path.startswith("/files/") and path != "/files/upload":
        return f"{method} /files/{{id}}"
    return f"{method} {path}"
