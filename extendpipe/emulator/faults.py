"""Fault injection for tests, controlled from Python or over HTTP under the reserved `/_emulator/` prefix.

Python:
    emu.faults.add(route="POST /workflow_runs", status=429, count=2, retry_after=2)
    emu.faults.add(route="POST /workflow_runs", drop=True, after_commit=True)   # answer lost after commit
    emu.faults.add(route="GET /workflow_runs/*", delay=0.5)                      # slow answers
    emu.faults.add(route="*", status=503, probability=0.1, count=None)           # error rate, forever
    emu.faults.force_outcome("FAILED", count=1, failure_reason="CORRUPT_FILE")   # next run's outcome
    emu.faults.force_outcome("STUCK", name_contains="slow")                      # stays PROCESSING
    emu.faults.clear()

Fault fields: `route` is "METHOD /path" with shell-style wildcards (`*` any method or any path; a bare
path matches every method); `status` answers that status with `{"success": false, "error", "code"?}`
(429 gets code RATE_LIMIT_EXCEEDED); `retry_after` (seconds) adds a Retry-After header; `drop` closes the
connection without an answer; `after_commit` does the real work first, then answers `status` or drops;
`delay` waits that long before answering; `count` is how many requests it hits (None: unlimited);
`probability` (0..1) hits only some matching requests (seeded: `Faults(seed=…)`).
Forced outcomes: status FAILED, NEEDS_REVIEW, REJECTED, PROCESSED, or STUCK (never leaves PROCESSING),
for the next `count` runs, optionally only runs whose workflow id equals `workflow_id` or whose name
contains `name_contains`.

HTTP (no auth, JSON bodies use the camelCase of the names above):
    POST   /_emulator/faults    {"route", "status", "count", "retryAfter", "drop", "afterCommit", "delay",
                                 "probability", "code", "message"}  → {"success": true, "fault": {...}}
    GET    /_emulator/faults    → {"success": true, "faults": [...], "outcomes": [...]}
    DELETE /_emulator/faults    clear faults and forced outcomes
    POST   /_emulator/outcomes  {"status", "count", "workflowId", "nameContains", "failureReason",
                                 "failureMessage"}
    GET    /_emulator/health    → {"success": true}
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any, Optional

import extendpipe.constants as constants

from .errors import ApiError, bad_request
from .server import Reply

OUTCOME_STATUSES = (
    constants.FAILED,
    constants.NEEDS_REVIEW,
    constants.REJECTED,
    constants.PROCESSED,
    "STUCK",
)
_ids = itertools.count(1)


@dataclass
class Fault:
    route: str = "*"
    status: Optional[int] = None
    count: Optional[int] = 1
    retry_after: Optional[float] = None
    drop: bool = False
    after_commit: bool = False
    delay: float = 0.0
    probability: float = 1.0
    code: Optional[str] = None
    message: Optional[str] = None
    id: int = 0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        route_method, _, route_path = self.route.partition(" ")
        if not route_path:
            if route_method.startswith("/"):
                route_method, route_path = "*", route_method
            else:
                route_path = "*"
        return fnmatch.fnmatchcase(method, route_method.upper()) and fnmatch.fnmatchcase(path, route_path)

    def before_commit(self) -> bool:
        """True when the request is answered without doing the work."""
        return not self.after_commit and (self.status is not None or self.drop)

    def reply(self, request: Any, committed: Optional[dict[str, Any]] = None) -> Reply:
        if self.drop:
            return Reply(0, drop=True, delay=self.delay)
        if self.status is None:
            return Reply(200, committed, delay=self.delay)
        code = self.code or (constants.RATE_LIMIT_EXCEEDED if self.status == 429 else None)
        body: dict[str, Any] = {
            "success": False,
            "error": self.message or f"Injected fault: HTTP {self.status}",
        }
        if code:
            body["code"] = code
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = _seconds(self.retry_after)
        return Reply(self.status, body, headers, delay=self.delay)


@dataclass
class ForcedOutcome:
    status: str
    count: Optional[int] = 1
    workflow_id: Optional[str] = None
    name_contains: Optional[str] = None
    failure_reason: Optional[str] = None
    failure_message: Optional[str] = None

    def applies(self, run: dict[str, Any]) -> bool:
        if self.workflow_id is not None and run["workflow_id"] != self.workflow_id:
            return False
        return self.name_contains is None or self.name_contains.lower() in run["name"].lower()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Faults:
    def __init__(self, seed: Optional[int] = None):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._outcomes: list[ForcedOutcome] = []
        self._random = random.Random(seed)

    def add(self, route: str = "*", **fields: Any) -> Fault:
        fault = Fault(route=route, **fields, id=next(_ids))
        if fault.count is not None and fault.count < 1:
            raise ValueError("count must be at least 1 (or None for unlimited)")
        with self._lock:
            self._faults.append(fault)
        return fault

    def force_outcome(self, status: str, **fields: Any) -> ForcedOutcome:
        if status not in OUTCOME_STATUSES:
            raise ValueError(f"status must be one of {', '.join(OUTCOME_STATUSES)}")
        outcome = ForcedOutcome(status=status, **fields)
        with self._lock:
            self._outcomes.append(outcome)
        return outcome

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._outcomes.clear()

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def match(self, request: Any) -> Optional[Fault]:
        """The first active fault for this request, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(request.method, request.path):
                    continue
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def forced_outcome(self, run: dict[str, Any]) -> Optional[ForcedOutcome]:
        with self._lock:
            for outcome in self._outcomes:
                if outcome.applies(run):
                    if outcome.count is not None:
                        outcome.count -= 1
                        if outcome.count == 0:
                            self._outcomes.remove(outcome)
                    return outcome
        return None

    # HTTP control API.
    def add_json(self, body: dict[str, Any]) -> Fault:
        """A fault from its JSON form (camelCase), as `POST /_emulator/faults` and `serve --fault` take it."""
        names = {"retryAfter": "retry_after", "afterCommit": "after_commit"}
        return self.add(**{names.get(k, k): v for k, v in body.items()})

    def control(self, emulator: Any, request: Any) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        key = (request.method, request.path.rstrip("/"))
        if key == ("GET", "/_emulator/health"):
            return Reply(200, {"success": True})
        if key == ("GET", "/_emulator/faults"):
            return Reply(
                200,
                {
                    "success": True,
                    "faults": [asdict(f) for f in self.faults],
                    "outcomes": [asdict(o) for o in self._outcomes],
                },
            )
        if key == ("DELETE", "/_emulator/faults"):
            self.clear()
            return Reply(200, {"success": True})
        try:
            if key == ("POST", "/_emulator/faults"):
                return Reply(200, {"success": True, "fault": asdict(self.add_json(body))})
            if key == ("POST", "/_emulator/outcomes"):
                names = {
                    "workflowId": "workflow_id",
                    "nameContains": "name_contains",
                    "failureReason": "failure_reason",
                    "failureMessage": "failure_message",
                }
                fields = {names.get(k, k): v for k, v in body.items()}
                return Reply(200, {"success": True, "outcome": asdict(self.force_outcome(**fields))})
        except (TypeError, ValueError) as exc:
            raise bad_request(f"Invalid fault: {exc}") from exc
        raise ApiError(404, f"No route for {request.method} {request.path}")
