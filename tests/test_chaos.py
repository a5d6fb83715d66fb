"""Chaos: SIGKILL apply at random moments while the server drops connections and fails 5% of requests.

At the end every file has exactly one PROCESSED run on the server for its fingerprint, the final
report lists all of them, and no run was created twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from extendpipe.client import ExtendClient, TransportConfig
from extendpipe.emulator import Emulator

REPO = Path(__file__).resolve().parent.parent
FILES = 200
KILLS = 20
MANIFEST = """\
version: 1
name: chaos
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {include: ["docs/*.txt"]}
"""


def apply_cmd(report: str) -> list[str]:
    return [sys.executable, "-m", "extendpipe", "apply", "m.yaml", "--report", report, "--concurrency", "8",
            "--poll-interval", "0.05", "--read-timeout", "5", "--max-retry-wait", "2"]


def server_runs(url: str) -> list[dict]:
    with ExtendClient(TransportConfig(base_url=url, api_key="k")) as client:
        return [client.get_run(s["id"]) for s in client.iter_runs()]


@pytest.mark.slow
def test_sigkill_at_random_moments_under_faults_leaves_exactly_one_run_per_file(tmp_path):
    rng = random.Random(20261203)
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(FILES):
        (docs / f"doc-{i:03d}.txt").write_text(f"Invoice number: C-{i}\nDate: 2024-01-{i % 28 + 1:02d}\n"
                                              f"Total: {i}.50 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    env = {**os.environ, "EXTEND_API_KEY": "k",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with Emulator(tmp_path / "emu.sqlite3", workers=4, processing_delay=0.02) as emu:
        env["EXTEND_BASE_URL"] = emu.url
        emu.faults.add(route="*", status=503, probability=0.05, count=None)
        emu.faults.add(route="POST /workflow_runs", drop=True, after_commit=True, probability=0.05, count=None)
        emu.faults.add(route="POST /files/upload", drop=True, probability=0.03, count=None)
        emu.faults.add(route="GET *", drop=True, probability=0.03, count=None)
        kills = 0
        for attempt in range(KILLS):
            proc = subprocess.Popen(apply_cmd(f"r{attempt}.json"), cwd=tmp_path, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 1.6))  # the moment of the kill is the behaviour under test
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
        assert kills >= KILLS // 2, f"only {kills} applies were still running when killed"
        for _ in range(5):  # the faults stay on: an apply may stop with exit 3, and a rerun goes on
            proc = subprocess.run(apply_cmd("final.json"), cwd=tmp_path, env=env, capture_output=True,
                                  text=True, timeout=300)
            if proc.returncode == 0:
                break
            assert proc.returncode == 3, proc.stderr
        assert proc.returncode == 0, proc.stderr
        emu.faults.clear()
        runs = server_runs(emu.url)

    report = json.loads((tmp_path / "final.json").read_text())
    assert report["summary"]["total"] == FILES
    assert report["summary"]["succeeded"] == FILES
    per_fingerprint = Counter(run["metadata"]["extendpipe"]["fingerprint"] for run in runs)
    assert len(per_fingerprint) == FILES
    duplicated = {fp: n for fp, n in per_fingerprint.items() if n > 1}
    assert duplicated == {}
    assert {run["status"] for run in runs} == {"PROCESSED"}
    assert {row["runId"] for row in report["runs"]} == {run["id"] for run in runs}
