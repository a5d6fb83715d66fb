"""Rate limits per category and runs per minute, with an injected clock (no sleeps)."""

from __future__ import annotations

import pytest

from extendpipe.emulator.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_get_bucket_limits_and_refills(emulator, api):
    clock = Clock()
    emulator.set_rate_limit(RateLimiter.from_setting({"get_rps": 2, "write_rps": 5}, clock=clock))
    assert [api.call("GET", "/workflow_runs")[0] for _ in range(3)] == [200, 200, 429]
    status, body, headers = api.call("GET", "/workflow_runs")
    assert status == 429 and body == {
        "success": False,
        "code": "RATE_LIMIT_EXCEEDED",
        "error": "Rate limit exceeded: too many GET requests per second",
    }
    assert headers["Retry-After"] == "1" and headers["retry-after-ms"] == "500"
    # Other categories have their own budget.
    assert api.call("POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["x"]})[0] == 200
    clock.now += 0.5
    assert api.call("GET", "/workflow_runs")[0] == 200
    assert api.call("GET", "/workflow_runs")[0] == 429


def test_runs_per_minute(emulator, api):
    clock = Clock()
    emulator.set_rate_limit(RateLimiter.from_setting({"rps": 100, "runs_per_minute": 5}, clock=clock))
    body = {"workflowId": "workflow_a", "rawTexts": ["a", "b", "c"]}
    assert api.call("POST", "/workflow_runs", body)[0] == 200
    clock.now += 20
    status, answer, headers = api.call("POST", "/workflow_runs", body)
    assert (status, answer["code"], headers["Retry-After"]) == (429, "RATE_LIMIT_EXCEEDED", "40")
    assert api.call("POST", "/workflow_runs", {"workflowId": "workflow_a", "rawTexts": ["a", "b"]})[0] == 200
    clock.now += 40
    assert api.call("POST", "/workflow_runs", body)[0] == 200


def test_plans_from_constants():
    payg = RateLimiter.from_setting("payg")
    assert payg.runs_per_minute == 80 and payg.buckets["GET"].rate == 10
    assert RateLimiter.from_setting("enterprise").buckets["RUN"].rate == 75
    assert RateLimiter.from_setting("none") is None
    with pytest.raises(ValueError):
        RateLimiter.from_setting("gold")


def test_emulator_accepts_plan_name(tmp_path):
    from emulator_helpers import Api

    from extendpipe.emulator import Emulator

    with Emulator(tmp_path / "r.db", rate_limit="payg") as emu:
        client = Api(emu.url)
        try:
            statuses = [client.call("GET", "/workflow_runs")[0] for _ in range(30)]
        finally:
            client.close()
    assert statuses.count(429) >= 1 and statuses[:5] == [200] * 5
