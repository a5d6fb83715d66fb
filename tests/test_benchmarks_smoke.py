"""Smoke test of benchmarks/: the documented entry point, at a tiny size, prints one sane JSON document.

It checks shape and consistency (ratios positive, request counts agreeing between what each client
counted and what the emulator received), never speed: the figures depend on the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("extend_ai")  # the naive baseline is written with the official SDK

REPO = Path(__file__).resolve().parent.parent
DOCS, FILES = 30, 300
TINY = ["--docs", str(DOCS), "--target-seconds", "3", "--processing-median", "0.3", "--files", str(FILES),
        "--startup-rounds", "1", "--hash-rounds", "1", "--floor-http-client"]
CATEGORIES = ("GET", "WRITE", "RUN")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "bench.json"
    env = {k: v for k, v in os.environ.items() if k not in ("EXTEND_API_KEY", "EXTEND_BASE_URL")}
    env.update(HOME=str(folder), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", *TINY, "--out", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)  # exactly one JSON document on stdout
    assert json.loads(out.read_text(encoding="utf-8")) == doc
    return doc


def test_one_document_with_every_part(bench):
    assert bench["benchmark"] == "extendpipe"
    assert {"machine", "pipeline", "planning", "startup", "targets", "total_seconds"} <= set(bench)
    assert bench["machine"]["cpus"] >= 1


@pytest.mark.parametrize("client", ["apply", "baseline"])
def test_pipeline_clients(bench, client):
    pipe = bench["pipeline"]
    bound = pipe["bound"]["seconds"]
    assert bound > 0 and pipe["bound"]["tail_seconds"] > 0
    assert pipe["scenario"]["docs"] == DOCS
    result = pipe[client]
    assert result["exit_code"] == 0 and not result["timed_out"]
    assert result["succeeded"] == DOCS
    assert result["wall_seconds"] > 0 and result["ratio_to_bound"] > 0
    assert result["ratio_to_bound"] == pytest.approx(result["wall_seconds"] / bound, rel=0.01)
    assert result["client_cpu_seconds"] > 0 and result["peak_rss_mb"] > 5
    assert result["client_cpu_seconds_per_1000_documents"] == pytest.approx(
        result["client_cpu_seconds"] / DOCS * 1000, rel=0.01)
    got = result["received_by_emulator"]
    assert got["total"] == sum(got[c] for c in CATEGORIES) == sum(got["by_route"].values())
    assert got["WRITE"] >= DOCS and got["RUN"] >= DOCS and got["GET"] >= DOCS  # each run fetched at least once
    assert got["by_route"]["POST /files/upload"] == got["WRITE"]
    assert got["by_route"]["POST /workflow_runs"] == got["RUN"]
    for category in (*CATEGORIES, "total"):
        assert result["requests_per_document"][category] == pytest.approx(got[category] / DOCS, abs=0.001)
    assert all(0 <= first <= last for first, last in result["first_and_last_request_seconds"].values())
    assert 0 <= result["http429_share"] == pytest.approx(got["http429"] / got["total"], abs=1e-4)


def test_request_counts_agree_with_the_emulator(bench):
    apply, baseline = bench["pipeline"]["apply"], bench["pipeline"]["baseline"]
    counted, got = apply["client_counted"], apply["received_by_emulator"]
    assert counted["attempts"] == got["total"]  # every attempt, retries included
    for category in CATEGORIES:  # one count per call; a call retried after a 429 reaches the emulator again
        assert counted[category] <= got[category]
        if got["http429"] == 0:
            assert counted[category] == got[category]
    counted, got = baseline["client_counted"], baseline["received_by_emulator"]
    assert {c: counted.get(c, 0) for c in CATEGORIES} == {c: got[c] for c in CATEGORIES}
    assert counted["http429"] == got["http429"]
    assert bench["pipeline"]["baseline_over_apply"]["wall"] > 0


@pytest.mark.parametrize("floor_client", ["floor", "floor_http_client"])
def test_the_floor_sends_exactly_the_three_requests_per_document(bench, floor_client):
    pipe = bench["pipeline"]
    floor = pipe[floor_client]
    assert floor["exit_code"] == 0 and not floor["timed_out"]
    got = floor["received_by_emulator"]
    assert got["http429"] == floor["client_counted"]["http429"]
    for category in CATEGORIES:  # one of each per document, plus only what a 429 made it resend
        assert got[category] == floor["client_counted"][category]
        assert DOCS <= got[category] <= DOCS + got["http429"]
    assert sum(floor["by_status"].values()) == DOCS  # every run fetched once
    assert floor["client_cpu_seconds"] > 0


def test_apply_over_floor_is_the_ratio_of_their_cpu(bench):
    pipe = bench["pipeline"]
    assert pipe["apply_over_floor"]["client_cpu"] == pytest.approx(
        pipe["apply"]["client_cpu_seconds"] / pipe["floor"]["client_cpu_seconds"], rel=0.01)


def test_planning(bench):
    plan = bench["planning"]
    assert plan["files"] == FILES and plan["bytes"] > 0
    for step in ("validate", "plan"):
        assert plan[step]["exit_code"] == 0 and plan[step]["wall_seconds"] > 0 and plan[step]["peak_rss_mb"] > 5
    assert plan["plan"]["requests_to_emulator"] >= 1
    assert plan["validate_plus_plan_seconds"] == pytest.approx(
        plan["validate"]["wall_seconds"] + plan["plan"]["wall_seconds"], abs=0.002)
    hashing = plan["hashing"]
    for tool in ("extendpipe", "sha256sum"):
        assert hashing[tool]["seconds_median"] > 0 and hashing[tool]["MB_per_second"] > 0
    assert hashing["throughput_ratio"] > 0


def test_startup(bench):
    start = bench["startup"]
    for name in ("python_pass", "help", "validate"):
        assert start[name]["median_seconds"] > 0 and start[name]["ratio_to_python_pass"] > 0
        assert start[name]["exit_codes"] == [0]


def test_targets_are_reported_not_enforced(bench):
    rows = bench["targets"]
    assert len(rows) == 12
    for row in rows:
        assert {"target", "goal", "measured", "met", "at_issue_size"} <= set(row)
        assert row["met"] in (True, False, None)
    by_name = {row["target"]: row["measured"] for row in rows}
    pipe = bench["pipeline"]
    assert by_name["apply client CPU / urllib3 floor (same run)"] == pytest.approx(
        pipe["apply"]["client_cpu_seconds"] / pipe["floor"]["client_cpu_seconds"], abs=0.002)
