"""Client pacing against the emulator's rate limits: paced to the server's budgets, apply meets no 429.

The emulator is created with the same limits as `--rate-limit`; the achieved requests per second per
category (GET, WRITE, RUN) are measured from arrival times at the server and printed (`pytest -s`).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from client_helpers import KEY, invoice, invoke, write_project

from extendpipe.client.pacing import GET, RUN, Pacer, RateLimit
from extendpipe.emulator import Emulator
from extendpipe.emulator.ratelimit import RateLimiter

RPS, RUNS_PER_MIN = 20, 900
FILES = 300


def category(method: str, path: str) -> str:
    """The server's rate-limit category of a request (extend-api.md §8; emulator/routes.py)."""
    if method == "POST" and path in ("/workflow_runs", "/workflow_runs/batch"):
        return "RUN"
    return "GET" if method == "GET" else "WRITE"


def _peak(times: list[float], window: float) -> int:
    peak, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - window:
            j += 1
        peak = max(peak, i - j + 1)
    return peak


def rates(stamped) -> dict:
    """Per category: requests, span, achieved requests/second, and the most in any 1 s and 3 s window."""
    by_cat: dict[str, list[float]] = {}
    for t, record in stamped:
        by_cat.setdefault(category(record.method, record.path), []).append(t)
    out = {}
    for cat, times in sorted(by_cat.items()):
        span = times[-1] - times[0]
        out[cat] = {"requests": len(times), "seconds": round(span, 2),
                    "rps": round((len(times) - 1) / span, 1) if span else None,
                    "peak1s": _peak(times, 1.0), "peak3s": _peak(times, 3.0)}
    return out


@pytest.mark.slow
def test_apply_paced_to_the_servers_limits_meets_no_429(tmp_path, arrivals_for):
    files = {f"inv-{i:03d}.txt": invoice(i) for i in range(FILES)}
    manifest = write_project(tmp_path, files)
    limit = {"rps": RPS, "runs_per_minute": RUNS_PER_MIN}
    with Emulator(db_path=tmp_path / "limited.sqlite3", api_keys={KEY}, rate_limit=limit, workers=4) as emu:
        stamped = arrivals_for(emu)
        report_path = tmp_path / "report.json"
        result = invoke(["apply", manifest, "--report", report_path, "--rate-limit",
                         f"rps={RPS},runs={RUNS_PER_MIN}", "--poll-interval", "0.5", "--wait-timeout", "120"],
                        env={"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": emu.url})

    assert result.exit_code == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["summary"]["succeeded"] == FILES
    start = stamped[0][0]
    late_429 = [(round(t - start, 2), r.method, r.path) for t, r in stamped if r.status == 429 and t - start > 1.0]
    measured = rates(stamped)
    print(f"\npaced apply of {FILES} files at rps={RPS}, runs={RUNS_PER_MIN}/min: "
          f"{stamped[-1][0] - start:.1f} s, requests {report['requests']}")
    for cat, numbers in measured.items():
        print(f"  {cat:<5} {numbers}")
    assert late_429 == [], late_429
    assert Counter(r.status for _, r in stamped)[429] == report["requests"].get("http429", 0)
    # Paced evenly: about RPS a second. Arrivals are stamped by the server, which a loaded machine
    # stalls now and then (requests sent evenly then arrive together), so the check is over 3 s;
    # an unpaced client sends a category's requests at several times RPS.
    for cat, numbers in measured.items():
        assert numbers["peak3s"] <= 3 * RPS + 4, (cat, numbers)


def simulate(limit: RateLimit, server_setting: dict, seconds: float, category_: str, runs: int = 0):
    """Drive a Pacer and the emulator's RateLimiter with one fake clock; return when each 429 came."""

    class Clock:
        now = 0.0

    clock = Clock()
    pacer = Pacer(limit, clock=lambda: clock.now, sleep=lambda s: setattr(clock, "now", clock.now + s))
    server = RateLimiter.from_setting(server_setting, clock=lambda: clock.now)

    class Request:
        path = "/workflow_runs"
        json = {"rawTexts": ["x"] * max(1, runs)}

    refused = []
    while clock.now < seconds:
        pacer.acquire(category_, runs=runs)
        try:
            server.check(category_, Request)
        except Exception:  # noqa: BLE001 - the emulator's ApiError(429)
            refused.append(round(clock.now, 2))
            pacer.penalize(category_)
        clock.now += 0.001  # a request takes a millisecond
    return refused


def test_paced_requests_per_second_never_exceed_the_server_bucket():
    assert simulate(RateLimit(10, None), {"rps": 10}, 120, GET) == []


def test_paced_runs_per_minute_never_exceed_the_servers_sliding_window():
    """The runs budget must hold in every 60 s window, not only on average: a burst on top of the
    steady rate overruns a sliding-window server about a minute later."""
    assert simulate(RateLimit(None, 60), {"runs_per_minute": 60}, 300, RUN, runs=1) == []

