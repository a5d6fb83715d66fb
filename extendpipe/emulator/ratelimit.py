"""Rate limits as the real API applies them (extend-api.md §8): requests per second per category
(GET, WRITE, RUN) and runs created per minute. Over a limit: 429 with code RATE_LIMIT_EXCEEDED and a
Retry-After header (whole seconds, at least 1) plus `retry-after-ms` with the precise wait.

Setting (`Emulator(rate_limit=…)`): a plan name from constants.RATE_LIMIT_PLANS ("payg", "scale",
"enterprise"), "none", or a dict {"rps": n} / {"get_rps", "write_rps", "run_rps", "runs_per_minute"}.
Request buckets hold one second of burst. Runs per minute counts runs created by POST /workflow_runs
in a sliding 60 s window; batch runs are exempt (the batch endpoint exists to queue past that limit).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any, Callable, Optional, Union

import extendpipe.constants as constants

from .errors import ApiError

CATEGORIES = ("GET", "WRITE", "RUN")


class Bucket:
    def __init__(self, rate: float, clock: Callable[[], float]):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()

    def take(self) -> float:
        """0 when a token was taken, else seconds until one is available."""
        current = self.clock()
        self.tokens = min(self.capacity, self.tokens + (current - self.stamp) * self.rate)
        self.stamp = current
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(
        self,
        rps: dict[str, Optional[float]],
        runs_per_minute: Optional[int],
        clock: Callable[[], float] = time.monotonic,
    ):
        self.clock = clock
        self.buckets = {cat: Bucket(rate, clock) for cat, rate in rps.items() if rate}
        self.runs_per_minute = runs_per_minute
        self.recent_runs: deque[tuple[float, int]] = deque()
        self.lock = threading.Lock()

    @classmethod
    def from_setting(
        cls, setting: Union[str, dict[str, Any], None], clock: Callable[[], float] = time.monotonic
    ) -> Optional[RateLimiter]:
        if setting is None or setting == "none":
            return None
        if isinstance(setting, RateLimiter):
            return setting
        if isinstance(setting, str):
            if setting not in constants.RATE_LIMIT_PLANS:
                raise ValueError(
                    f"unknown rate-limit plan {setting!r}; use one of "
                    f"{', '.join(constants.RATE_LIMIT_PLANS)} or none"
                )
            setting = constants.RATE_LIMIT_PLANS[setting]
        base = setting.get("rps")
        rps = {cat: setting.get(f"{cat.lower()}_rps", base) for cat in CATEGORIES}
        return cls(rps, setting.get("runs_per_minute"), clock)

    def check(self, category: str, request: Any) -> None:
        with self.lock:
            bucket = self.buckets.get(category)
            wait = bucket.take() if bucket else 0.0
            if wait:
                raise self._limited(f"Rate limit exceeded: too many {category} requests per second", wait)
            if category == "RUN" and request.path == constants.PATH_WORKFLOW_RUNS and self.runs_per_minute:
                self._check_runs(_count_inputs(request.json))

    def _check_runs(self, count: int) -> None:
        current = self.clock()
        while self.recent_runs and self.recent_runs[0][0] <= current - 60:
            self.recent_runs.popleft()
        used = sum(n for _, n in self.recent_runs)
        if used + count > self.runs_per_minute:
            # Wait until enough old runs leave the window (or a full minute for an oversize request).
            freed, wait = used, 60.0
            for stamp, n in self.recent_runs:
                freed -= n
                if freed + count <= self.runs_per_minute:
                    wait = stamp + 60 - current
                    break
            raise self._limited(
                f"Rate limit exceeded: more than {self.runs_per_minute} runs per minute", wait
            )
        self.recent_runs.append((current, count))

    @staticmethod
    def _limited(message: str, wait: float) -> ApiError:
        wait = max(wait, 0.001)
        return ApiError(
            429,
            message,
            constants.RATE_LIMIT_EXCEEDED,
            headers={
                "Retry-After": str(max(1, math.ceil(wait))),
                "retry-after-ms": str(math.ceil(wait * 1000)),
            },
        )


def _count_inputs(body: Any) -> int:
    if not isinstance(body, dict):
        return 1
    items = body.get("files") if body.get("files") is not None else body.get("rawTexts")
    return len(items) if isinstance(items, list) and items else 1
