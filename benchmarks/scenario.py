"""The benchmark scenario: rate limits, latency distributions, and the lower bound they imply.

Everything random is drawn from a seeded generator keyed by the document's index, so the apply, the
baseline and the bound see the same processing time for the same document.

Latencies (both applied by the emulator, see emulated.py):
- processing: how long a run stays PROCESSING, log-normal (median `processing_median`, shape
  `processing_sigma`), clipped to [processing_min, processing_max]; drawn per document.
- answer: extra time before every API answer (the network and the server), a discrete mix
  `answer_latency` of (seconds, probability), drawn per request.

The bound (`ideal_bound`) is the wall time of an ideal client against the same server: zero client
overhead, perfect knowledge of when each run becomes final, every request sent at the earliest
instant the server's limits allow (the emulator's own token buckets, one second of burst, and its
sliding 60 s window for runs). Each document costs the least any client can spend on it: one
upload (WRITE), one create (RUN), one GET of the final run (its outputs). Status polling is free for
the ideal client, so the bound is a true lower bound for every real one.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field

KEY = "bench-key"
WORKFLOW_ID = "workflow_bench_invoices"


@dataclass(frozen=True)
class Scenario:
    docs: int
    rps: float                        # requests per second, per category (GET, WRITE, RUN)
    runs_per_minute: int
    processing_median: float = 1.5
    processing_sigma: float = 0.5
    processing_min: float = 0.3
    processing_max: float = 8.0
    # (seconds, probability): 90% answer in 30 ms, 9% in 120 ms, 1% in 400 ms.
    answer_latency: tuple = field(default=((0.03, 0.90), (0.12, 0.09), (0.40, 0.01)))
    seed: int = 20250421

    @classmethod
    def scaled(cls, docs: int, target_seconds: float, **kw) -> Scenario:
        """Limits scaled so that each budget (uploads, creates, runs per minute, final GETs) allows
        `docs` documents in about `target_seconds`: rps = docs / target, runs per minute = 60 * rps."""
        rps = max(1.0, math.ceil(docs / target_seconds * 10) / 10)
        return cls(docs=docs, rps=rps, runs_per_minute=int(round(60 * rps)), **kw)

    def describe(self) -> dict:
        doc = asdict(self)
        doc["answer_latency"] = [{"seconds": s, "probability": p} for s, p in self.answer_latency]
        doc["answer_latency_mean"] = round(self.mean_answer_latency, 4)
        times = sorted(self.processing_times())
        doc["processing_drawn"] = {"mean": round(sum(times) / len(times), 3), "p50": _q(times, 0.5),
                                   "p90": _q(times, 0.9), "p99": _q(times, 0.99), "max": times[-1]}
        return doc

    @property
    def mean_answer_latency(self) -> float:
        return sum(s * p for s, p in self.answer_latency)

    def processing_times(self) -> list[float]:
        """Processing seconds of document i, for i in range(docs)."""
        rng = random.Random(self.seed)
        out = []
        for _ in range(self.docs):
            value = self.processing_median * math.exp(self.processing_sigma * rng.gauss(0.0, 1.0))
            out.append(round(min(self.processing_max, max(self.processing_min, value)), 3))
        return out

    def engine_workers(self) -> int:
        """Emulator workers (each holds one run while it sleeps its processing time): 1.3x the mean
        number of runs in PROCESSING at the peak rate, plus 6, so processing rarely queues. Not more:
        every idle worker is woken on every change, which costs the emulator CPU on a 2-core machine."""
        times = self.processing_times()
        per_second = min(self.rps, self.runs_per_minute / 60.0)
        return max(4, math.ceil(per_second * (sum(times) / len(times)) * 1.3) + 6)


def _q(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


class _Bucket:
    """The emulator's request bucket: capacity max(1, rate), refilled continuously."""

    def __init__(self, rate: float):
        self.rate, self.capacity = rate, max(1.0, rate)
        self.tokens, self.stamp = self.capacity, 0.0

    def earliest(self, t: float) -> float:
        """Take a token at the first instant >= t one is available; return that instant."""
        self.tokens = min(self.capacity, self.tokens + (t - self.stamp) * self.rate)
        self.stamp = t
        if self.tokens < 1.0:
            wait = (1.0 - self.tokens) / self.rate
            t, self.stamp, self.tokens = t + wait, t + wait, 1.0
        self.tokens -= 1.0
        return t


def ideal_bound(s: Scenario) -> dict:
    """Wall time of the ideal client (see the module docstring), and its parts."""
    latency = s.mean_answer_latency
    times = s.processing_times()
    write, run, get = _Bucket(s.rps), _Bucket(s.rps), _Bucket(s.rps)
    window: list[float] = []  # creation instants, for the sliding 60 s runs window
    created, finals = [], []
    for i in range(s.docs):
        uploaded = write.earliest(0.0) + latency          # the file id comes back
        earliest = uploaded
        if len(window) >= s.runs_per_minute:                # the run m places back must have left the window
            earliest = max(earliest, window[-s.runs_per_minute] + 60.0)
        t = run.earliest(earliest)
        window.append(t)
        created.append(t + latency)
        finals.append(t + latency + times[i])
    end = 0.0
    for final in sorted(finals):                            # fetch each run the moment it is final
        end = max(end, get.earliest(final) + latency)
    throughput = max(s.docs / s.rps, 60.0 * s.docs / s.runs_per_minute)
    return {
        "seconds": round(end, 3),
        "throughput_seconds": round(throughput, 3),   # docs over the tightest budget, no burst
        "last_create_seconds": round(created[-1], 3),
        "tail_seconds": round(end - created[-1], 3),   # processing + fetch after the last create
        "model": "ideal client: 1 upload + 1 create + 1 GET per document at the earliest instant the "
                 "server's buckets (1 s burst) and sliding runs window allow; polling free; mean answer "
                 "latency per request; the scenario's per-document processing times",
    }

