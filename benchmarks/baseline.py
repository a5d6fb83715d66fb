"""The naive baseline, written the way users write it with the official SDK (extend-ai 0.2.0).

A thread pool; each task uploads one file, creates its run, then GETs that run every 1 s for the
first 30 s and then backs off by 1.15x per poll up to 30 s (the SDK helper's schedule) until it is
final. No client-side pacing: 429s are left to the SDK's own retries (2 by default, honouring
Retry-After), and a call that still fails on 429 is tried again after 1 s, as users end up doing
once their first large run crashes. Any other error fails that document.

    python -m benchmarks.baseline --base-url URL --api-key KEY --workflow-id ID --workers 64 FILE...
    (or --files-from LIST, one path per line)

Prints one JSON document: wall time, documents by final status, failures, and the requests it sent
(every attempt, SDK retries included, counted by an httpx event hook).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

FINAL = frozenset({"PROCESSED", "FAILED", "NEEDS_REVIEW", "REJECTED", "CANCELLED"})
FAST_POLL_FOR = 30.0      # seconds at the first interval
FIRST_INTERVAL = 1.0
BACKOFF = 1.15
MAX_INTERVAL = 30.0
MAX_429_RETRIES = 30      # user-level retries on top of the SDK's own


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_category: Counter = Counter()
        self.http429 = 0

    def hook(self, response) -> None:
        request = response.request
        path = request.url.path
        if request.method == "POST" and path.rstrip("/").endswith("/workflow_runs"):
            kind = "RUN"
        else:
            kind = "GET" if request.method == "GET" else "WRITE"
        with self.lock:
            self.by_category[kind] += 1
            self.http429 += response.status_code == 429


def _retrying(call):
    from extend_ai.core.api_error import ApiError

    for attempt in range(MAX_429_RETRIES + 1):
        try:
            return call()
        except ApiError as exc:
            if exc.status_code != 429 or attempt == MAX_429_RETRIES:
                raise
            time.sleep(1.0)


def process(client, workflow_id: str, path: str) -> dict:
    with open(path, "rb") as fh:
        data = fh.read()
    name = os.path.basename(path)
    uploaded = _retrying(lambda: client.file.upload(file=(name, data, "text/plain")))
    created = _retrying(lambda: client.workflow_run.create(workflow_id=workflow_id,
                                                           files=[{"fileId": uploaded.file.id}]))
    run_id = created.workflow_runs[0].id
    started, interval, polls = time.monotonic(), FIRST_INTERVAL, 0
    while True:
        time.sleep(interval)
        polls += 1
        run = _retrying(lambda: client.workflow_run.get(run_id)).workflow_run
        if run.status in FINAL:
            return {"status": run.status, "polls": polls}
        if time.monotonic() - started >= FAST_POLL_FOR:
            interval = min(MAX_INTERVAL, interval * BACKOFF)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--workflow-id", required=True)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--files-from")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    files = list(args.files)
    if args.files_from:
        with open(args.files_from, encoding="utf-8") as fh:
            files += [line.rstrip("\n") for line in fh if line.strip()]

    import httpx
    from extend_ai import Extend

    counts = Counts()
    limits = httpx.Limits(max_connections=args.workers + 4, max_keepalive_connections=args.workers + 4)
    started = time.monotonic()
    statuses: Counter = Counter()
    errors: Counter = Counter()
    polls = 0
    with httpx.Client(timeout=60, limits=limits, event_hooks={"response": [counts.hook]}) as http:
        client = Extend(token=args.api_key, base_url=args.base_url, httpx_client=http)
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            futures = [pool.submit(process, client, args.workflow_id, path) for path in files]
            for future in futures:
                try:
                    outcome = future.result()
                except Exception as exc:  # a document the naive client lost
                    errors[type(exc).__name__] += 1
                    if os.environ.get("BASELINE_DEBUG"):
                        import traceback
                        traceback.print_exception(exc)
                    continue
                statuses[outcome["status"]] += 1
                polls += outcome["polls"]
    doc = {"wall_seconds": round(time.monotonic() - started, 3), "documents": len(files),
           "by_status": dict(sorted(statuses.items())), "errors": dict(sorted(errors.items())),
           "polls": polls, "requests": {**dict(sorted(counts.by_category.items())), "http429": counts.http429},
           "workers": args.workers}
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
