"""Client-side pacing: one budget per request category, shared by every thread.

The API limits requests per second per category (GET, WRITE, RUN) and runs per minute
(extend-api.md §8). Pacing to those budgets costs nothing when the server is idle and avoids
spending requests on 429s when it is not. Each budget is a token bucket; a 429 halves that
category's rate (multiplicative decrease) and every quiet interval adds back a tenth of the
configured rate (additive increase), so a workspace with lower limits than its plan settles near
its real limit. Time and sleep are injected so tests need no real waiting.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from extendpipe.constants import RATE_LIMIT_PLANS

GET, WRITE, RUN, RUNS_PER_MINUTE = "GET", "WRITE", "RUN", "RUNS_PER_MINUTE"
CATEGORIES = (GET, WRITE, RUN)
RECOVERY_INTERVAL = 5.0     # seconds without a 429 before a slowed budget speeds up again
MIN_RATE_SHARE = 0.05       # never slow below 5% of the configured rate


@dataclass(frozen=True)
class RateLimit:
    """Requests per second per category and runs per minute; None means unlimited."""

    rps: float | None
    runs_per_minute: float | None

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`payg`, `scale`, `enterprise`, `none`, or `rps=10,runs=80`."""
        name = text.strip().lower()
        if name in ("none", "off", "unlimited"):
            return cls(None, None)
        if name in RATE_LIMIT_PLANS:
            plan = RATE_LIMIT_PLANS[name]
            return cls(float(plan["rps"]), float(plan["runs_per_minute"]))
        values = {}
        for part in name.split(","):
            key, sep, raw = part.partition("=")
            try:
                number = float(raw)
            except ValueError:
                number = -1.0
            if not sep or key.strip() not in ("rps", "runs") or number <= 0:
                raise ValueError(f"{text!r} is not a rate limit (use payg, scale, enterprise, none, "
                                 "or rps=N,runs=M)")
            values[key.strip()] = number
        return cls(values.get("rps"), values.get("runs"))


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float]):
        self.max_rate = rate
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.clock = clock
        self.updated = clock()
        self.last_penalty = float("-inf")

    def _refill(self, now: float) -> None:
        if self.rate < self.max_rate and now - self.last_penalty >= RECOVERY_INTERVAL:
            self.rate = min(self.max_rate, self.rate + self.max_rate / 10)
            self.last_penalty = now  # one step per quiet interval
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def reserve(self, amount: float) -> float:
        """Take `amount` tokens (possibly going negative) and return how long to wait for them."""
        now = self.clock()
        self._refill(now)
        self.tokens -= amount
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def penalize(self) -> None:
        now = self.clock()
        self._refill(now)
        self.rate = max(self.max_rate * MIN_RATE_SHARE, self.rate / 2)
        self.last_penalty = now


class Pacer:
    """`acquire(category, runs=n)` blocks until the budgets allow the request."""

    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.limit = limit
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}
        if limit.rps:
            for category in CATEGORIES:
                # No burst: requests go out evenly at the rate, which leaves the server's own burst
                # allowance as the margin for requests that arrive bunched (threads, network jitter).
                self._buckets[category] = TokenBucket(limit.rps, 1.0, clock)
        if limit.runs_per_minute:
            # Any 60 s can hold `burst + 60 * rate` runs: the rate is chosen so that fits the limit,
            # as a server counting runs in a sliding minute requires.
            per_minute = limit.runs_per_minute
            burst = min(max(1.0, per_minute / 12), per_minute / 2)  # about 5 s at the full rate
            self._buckets[RUNS_PER_MINUTE] = TokenBucket((per_minute - burst) / 60.0, burst, clock)
        self.waited = 0.0

    def acquire(self, category: str, runs: int = 0) -> None:
        with self._lock:
            wait = 0.0
            bucket = self._buckets.get(category)
            if bucket is not None:
                wait = max(wait, bucket.reserve(1))
            runs_bucket = self._buckets.get(RUNS_PER_MINUTE)
            if runs and runs_bucket is not None:
                wait = max(wait, runs_bucket.reserve(runs))
            self.waited += wait
        if wait > 0:
            self.sleep(wait)

    def penalize(self, category: str) -> None:
        """The server answered 429 in this category: slow it down."""
        with self._lock:
            bucket = self._buckets.get(category)
            if bucket is not None:
                bucket.penalize()
            if category == RUN and RUNS_PER_MINUTE in self._buckets:
                self._buckets[RUNS_PER_MINUTE].penalize()

    def rate(self, category: str) -> float | None:
        bucket = self._buckets.get(category)
        return None if bucket is None else bucket.rate
