"""Helpers for emulator tests: a tiny JSON client over real loopback HTTP (urllib3)."""

from __future__ import annotations

import json
import time
from typing import Any

import urllib3

import extendpipe.constants as constants

KEY = "test-key"


class Api:
    def __init__(self, base_url: str, key: str = KEY):
        self.base_url = base_url
        self.pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))
        self.headers = {"Authorization": f"Bearer {key}", constants.API_VERSION_HEADER: constants.API_VERSION}

    def close(self) -> None:
        self.pool.clear()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict | None = None,
        fields: Any = None,
        query: dict | None = None,
    ) -> tuple[int, Any, Any]:
        hdrs = dict(self.headers if headers is None else headers)
        kwargs: dict[str, Any] = {}
        if fields is not None:
            kwargs["fields"] = fields
        elif body is not None:
            kwargs["body"] = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if query:
            kwargs["fields"] = query
        response = self.pool.request(method, self.base_url + path, headers=hdrs, **kwargs)
        data = response.data
        return response.status, (json.loads(data) if data else None), response.headers

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        status, body, _ = self.call(
            "POST", "/files/upload", fields={"file": (name, data, "application/octet-stream")}
        )
        assert status == 200, body
        return body["file"]

    def create(self, **body: Any) -> list[dict[str, Any]]:
        status, answer, _ = self.call("POST", "/workflow_runs", body)
        assert status == 200, answer
        return answer["workflowRuns"]

    def get_run(self, run_id: str) -> dict[str, Any]:
        status, body, _ = self.call("GET", f"/workflow_runs/{run_id}")
        assert status == 200, body
        return body["workflowRun"]

    def wait_status(self, run_id: str, statuses, timeout: float = 15.0) -> dict[str, Any]:
        """Poll with a deadline until the run reaches one of `statuses`."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(run_id)
            if run["status"] in statuses:
                return run
            assert time.monotonic() < deadline, f"run stuck in {run['status']}"
            time.sleep(0.01)


INVOICE_TEXT = """ACME Supplies Ltd.
Invoice number: INV-2024-001
Invoice date: 5 March 2024
Total due: 1,234.56 EUR
"""
