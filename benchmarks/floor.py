"""The urllib3 floor: the three requests every document costs, sent with bare urllib3 and nothing else.

What apply must send per document is fixed: one upload, one create, one GET of the final run (its
outputs). This client sends exactly that, through one `urllib3.HTTPConnectionPool` (as apply's
transport does), paced to the same per-category rate, with the same worker counts, and GETs each
run within a quarter second of becoming final (it is told each document's processing time, like
the ideal bound, so it needs no status polling at all). It keeps no journal, writes no report and
handles no error beyond resending after a 429: its CPU is what the requests alone cost on this
machine, the floor under any urllib3 client's.

    python -m benchmarks.floor --base-url URL --api-key KEY --workflow-id ID --rps R --workers N \
        --files-from LIST    (one `path<TAB>processing seconds` per line) [--stack http.client]

Prints one JSON document: wall time, documents, runs fetched final, requests by category, 429s.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

FINAL = frozenset({"PROCESSED", "FAILED", "NEEDS_REVIEW", "REJECTED", "CANCELLED"})
FINAL_MARGIN = 0.05  # seconds after the expected end before the GET
TICK = 0.25          # the GETs of runs that became final go out together, every TICK seconds


class Paced:
    """One slot every 1/rate seconds per category, shared by all threads (no burst)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.lock = threading.Lock()
        self.next_slot: dict[str, float] = {}

    def wait(self, category: str) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot.get(category, now))
            self.next_slot[category] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class HttpClientPool:
    """`--stack http.client`: one standard-library connection per thread, for comparison only (what
    the same requests cost without urllib3); answers look like urllib3's where the floor reads them."""

    def __init__(self, base_url: str):
        import http.client
        from urllib.parse import urlsplit

        self.http_client = http.client
        self.netloc = urlsplit(base_url).netloc
        self.local = threading.local()

    def urlopen(self, method: str, path: str, *, headers: dict, body=None, redirect: bool = False):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.http_client.HTTPConnection(self.netloc, timeout=60)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.data = response.read()
        return response


class Floor:
    def __init__(self, base_url: str, api_key: str, workflow_id: str, rps: float, workers: int,
                 stack: str = "urllib3"):
        import urllib3

        self.urllib3 = urllib3  # multipart encoding, with either stack
        if stack == "http.client":
            self.pool = HttpClientPool(base_url)
        else:
            self.pool = urllib3.connection_from_url(base_url, maxsize=2 * workers + 2, block=True,
                                                    timeout=urllib3.Timeout(connect=10, read=60))
        self.headers = {"Authorization": f"Bearer {api_key}", "x-extend-api-version": "2025-04-21",
                        "Accept": "application/json"}
        self.workflow_id = workflow_id
        # A hair under the server's rate, so requests that arrive bunched stay within its burst.
        self.paced = Paced(rps * 0.97)
        self.lock = threading.Lock()
        self.requests: Counter = Counter()
        self.statuses: Counter = Counter()
        self.due: list = []  # heap of (when final, run id)

    def send(self, category: str, method: str, path: str, **kw) -> dict:
        """One request, sent again after Retry-After while the answer is 429."""
        headers = kw.pop("headers", self.headers)
        while True:
            self.paced.wait(category)
            response = self.pool.urlopen(method, path, headers=headers, redirect=False, **kw)
            with self.lock:
                self.requests[category] += 1
                self.requests["http429"] += response.status == 429
            if response.status != 429:
                return json.loads(response.data)
            time.sleep(float(response.headers.get("Retry-After") or 1))

    def submit(self, path: str, seconds: float) -> None:
        with open(path, "rb") as fh:
            data = fh.read()
        name = os.path.basename(path)
        body, content_type = self.urllib3.encode_multipart_formdata({"file": (name, data, "application/octet-stream")})
        uploaded = self.send("WRITE", "POST", "/files/upload", body=body,
                             headers={**self.headers, "Content-Type": content_type})
        create = {"workflowId": self.workflow_id, "files": [{"fileId": uploaded["file"]["id"], "fileName": name}],
                  "metadata": {"floor": {"path": path}}}
        created = self.send("RUN", "POST", "/workflow_runs", body=json.dumps(create).encode(),
                            headers={**self.headers, "Content-Type": "application/json"})
        run_id = created["workflowRuns"][0]["id"]
        with self.lock:
            heapq.heappush(self.due, (time.monotonic() + seconds + FINAL_MARGIN, run_id))

    def fetch(self, run_id: str) -> None:
        run = self.send("GET", "GET", f"/workflow_runs/{run_id}")["workflowRun"]
        with self.lock:
            self.statuses[run["status"] if run["status"] in FINAL else "NOT_FINAL"] += 1

    def run(self, documents: list[tuple[str, float]], workers: int) -> None:
        """Submit every document; every TICK seconds, GET the runs that have become final since."""
        with ThreadPoolExecutor(workers) as submit_pool, ThreadPoolExecutor(workers) as fetch_pool:
            submitted = [submit_pool.submit(self.submit, path, seconds) for path, seconds in documents]
            fetched = []
            while len(fetched) < len(documents):
                time.sleep(TICK)
                now = time.monotonic()
                with self.lock:
                    while self.due and self.due[0][0] <= now:
                        fetched.append(fetch_pool.submit(self.fetch, heapq.heappop(self.due)[1]))
                failed = [f for f in submitted if f.done() and f.exception() is not None]
                if failed:
                    failed[0].result()
            for future in submitted + fetched:
                future.result()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--workflow-id", required=True)
    parser.add_argument("--rps", type=float, required=True)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--files-from", required=True)
    parser.add_argument("--stack", choices=("urllib3", "http.client"), default="urllib3",
                        help="HTTP stack (http.client: for comparison, what the requests cost without urllib3)")
    args = parser.parse_args(argv)
    with open(args.files_from, encoding="utf-8") as fh:
        documents = [(path, float(seconds)) for path, seconds in (line.rstrip("\n").split("\t") for line in fh)]
    started = time.monotonic()
    floor = Floor(args.base_url, args.api_key, args.workflow_id, args.rps, args.workers, args.stack)
    floor.run(documents, args.workers)
    json.dump({"wall_seconds": round(time.monotonic() - started, 3), "documents": len(documents),
               "by_status": dict(sorted(floor.statuses.items())), "requests": dict(sorted(floor.requests.items())),
               "workers": args.workers, "stack": args.stack}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
