"""Pacing budgets, with a fake clock: no real waiting."""

from __future__ import annotations

import pytest

from extendpipe.client.pacing import GET, RUN, Pacer, RateLimit


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limit_parses_plans_and_custom_values():
    assert RateLimit.parse("payg") == RateLimit(10.0, 80.0)
    assert RateLimit.parse("none") == RateLimit(None, None)
    assert RateLimit.parse("rps=5,runs=30") == RateLimit(5.0, 30.0)
    with pytest.raises(ValueError, match="is not a rate limit"):
        RateLimit.parse("fast")


def test_requests_per_second_are_spread_out():
    t = FakeTime()
    pacer = Pacer(RateLimit(10, None), clock=t.clock, sleep=t.sleep)
    for _ in range(30):
        pacer.acquire(GET)
    # No burst: the first goes at once, the other 29 evenly at 10 per second.
    assert t.now == pytest.approx(2.9, abs=0.01)


def test_runs_per_minute_bound_creates():
    t = FakeTime()
    pacer = Pacer(RateLimit(None, 60), clock=t.clock, sleep=t.sleep)
    for _ in range(65):
        pacer.acquire(RUN, runs=1)
    # A burst of 5 runs, then (60 - 5) runs per 60 s: no sliding minute ever holds more than 60 runs.
    assert t.now == pytest.approx(60 * 60 / 55, abs=0.1)


def test_a_429_halves_the_rate_and_quiet_time_restores_it():
    t = FakeTime()
    pacer = Pacer(RateLimit(10, None), clock=t.clock, sleep=t.sleep)
    pacer.penalize(GET)
    assert pacer.rate(GET) == 5
    t.now += 60
    for _ in range(10):
        pacer.acquire(GET)
        t.now += 5
    assert pacer.rate(GET) == 10


def test_unlimited_never_sleeps():
    t = FakeTime()
    pacer = Pacer(RateLimit(None, None), clock=t.clock, sleep=t.sleep)
    for _ in range(1000):
        pacer.acquire(RUN, runs=5)
    assert t.slept == []
