"""Retries, Retry-After, timeouts and lost answers, over real HTTP (extend-api.md §8).

What the server received is asserted from the emulator's request log; wall time is asserted only
where the delay is the behaviour (Retry-After, backoff), with small values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import urllib3
from client_helpers import (
    FAST,
    KEY,
    creates,
    invoice,
    invoke,
    messages,
    write_project,
)

import extendpipe.client.api as api_module
from extendpipe.client import ExtendClient, TransportConfig
from extendpipe.client.transport import READ_RETRY, SUBMIT_RETRY, UPLOAD_RETRY, WRITE_RETRY
from extendpipe.errors import ApiError, TransportError

REPO = Path(__file__).resolve().parents[2]
POLICIES = {"READ": READ_RETRY, "SUBMIT": SUBMIT_RETRY, "UPLOAD": UPLOAD_RETRY, "WRITE": WRITE_RETRY}


def client_for(emulator, **config) -> ExtendClient:
    return ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY, **config))


def runs_named(emulator, name: str) -> list[dict]:
    with client_for(emulator) as client:
        return list(client.iter_runs(file_name_contains=name))


def read_report(path) -> dict:
    return json.loads(path.read_text())


# 1. 429 with Retry-After on a create ---------------------------------------------------------------
def test_create_429_retry_after_twice_then_accepted(tmp_path, emulator, remote_env, arrivals):
    manifest = write_project(tmp_path, {"a.txt": invoice(1)})
    emulator.faults.add(route="POST /workflow_runs", status=429, retry_after=2, count=2)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, *FAST], env=remote_env)

    assert result.exit_code == 0, result.stderr
    posts = [(t, r) for t, r in arrivals if r.method == "POST" and r.path == "/workflow_runs"]
    assert [r.status for _, r in posts] == [429, 429, 200]
    gaps = [b[0] - a[0] for a, b in zip(posts, posts[1:])]
    assert all(gap >= 2.0 for gap in gaps), gaps
    assert all(gap < 4.0 for gap in gaps), gaps  # Retry-After is honoured, not stacked on a backoff
    assert len(runs_named(emulator, "docs/a.txt")) == 1
    report = read_report(report_path)
    (row,) = report["runs"]
    assert row["status"] == "PROCESSED" and row["outcome"] == "submitted" and row["attempts"] == 1
    assert report["requests"]["http429"] == 2


# 2. 429 without Retry-After: exponential backoff with jitter ---------------------------------------
def _backoffs(policy, errors: int) -> list[float]:
    """The backoff urllib3 computes before each retry, after 1..`errors` consecutive 429s."""
    retry = policy.new()
    delays = []
    for _ in range(errors):
        retry = retry.increment("GET" if policy is READ_RETRY else "POST", "/x",
                                response=urllib3.HTTPResponse(body=b"", status=429))
        delays.append(retry.get_backoff_time())
    return delays


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_backoff_is_exponential_with_jitter_from_the_first_retry(name):
    policy = POLICIES[name]
    factor, jitter = policy.backoff_factor, policy.backoff_jitter
    assert factor > 0 and jitter > 0
    samples = [_backoffs(policy, 5) for _ in range(200)]
    for n in range(5):
        floor = factor * 2 ** n  # 1st retry waits `factor`, then doubles
        values = [s[n] for s in samples]
        assert all(floor <= v <= min(policy.backoff_max, floor + jitter) for v in values), (n, min(values))
        assert max(values) - min(values) > jitter / 4, f"retry {n + 1} has no jitter"


def test_429_without_retry_after_is_retried_with_growing_delays(emulator, arrivals, monkeypatch):
    small = READ_RETRY.new(backoff_factor=0.05, backoff_jitter=0.01)
    monkeypatch.setattr(api_module, "READ_RETRY", small)
    emulator.faults.add(route="GET /workflow_runs", status=429, count=3)

    with client_for(emulator) as client:
        page, _ = client.list_runs_page()
        stats = dict(client.transport.stats)

    assert page == []
    gets = [(t, r.status) for t, r in arrivals if r.method == "GET"]
    assert [s for _, s in gets] == [429, 429, 429, 200]
    gaps = [b[0] - a[0] for a, b in zip(gets, gets[1:])]
    for n, gap in enumerate(gaps):
        assert gap >= 0.05 * 2 ** n, gaps
    assert gaps[0] < gaps[1] < gaps[2], gaps
    assert stats["http429"] == 3 and stats["attempts"] == 4


def test_create_429_without_retry_after_is_retried_and_makes_one_run(emulator, monkeypatch):
    monkeypatch.setattr(api_module, "SUBMIT_RETRY", SUBMIT_RETRY.new(backoff_factor=0.01, backoff_jitter=0.01))
    emulator.faults.add(route="POST /workflow_runs", status=429, count=2)
    with client_for(emulator) as client:
        (run,) = client.create_runs("workflow_client", raw_texts=["x"])
    assert [r.status for r in creates(emulator)] == [429, 429, 200]
    assert run["status"] == "PENDING"


# 3. A 400 on create ----------------------------------------------------------------------------------
def test_create_400_is_sent_once_and_reported(tmp_path, emulator, remote_env):
    manifest = write_project(tmp_path, {"a.txt": invoice(1)})
    emulator.faults.add(route="POST /workflow_runs", status=400, code="INVALID_REQUEST",
                        message="version 7 of workflow_client does not exist")
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, *FAST], env=remote_env)

    assert result.exit_code == 1, result.stderr
    (post,) = creates(emulator)
    (row,) = read_report(report_path)["runs"]
    expected = (f"POST /workflow_runs: 400 version 7 of workflow_client does not exist [INVALID_REQUEST] "
                f"(request id {post.request_id})")
    assert row["failureMessage"] == expected
    assert row["failureReason"] == "INVALID_REQUEST" and row["outcome"] == "error" and row["runId"] is None
    assert f"not ok: docs  docs/a.txt: no run: {expected}" in result.stderr


# 4. Retry-After above --max-retry-wait -------------------------------------------------------------
def test_get_503_retry_after_above_the_limit_fails_at_once(emulator, remote_env):
    emulator.faults.add(route="GET /workflow_runs/*", status=503, retry_after=3600)
    started = time.monotonic()

    result = invoke(["runs", "get", "workflow_run_abc", "--max-retry-wait", "5"], env=remote_env)

    assert time.monotonic() - started < 10
    assert result.exit_code == 3
    assert messages(result.stderr) == ["error: GET /workflow_runs/workflow_run_abc: the server asked to wait "
                                       "3600 s (limit 5 s) (hint: raise --max-retry-wait or try later)"]
    assert result.stdout == ""
    assert len(emulator.requests_matching("GET", "/workflow_runs/")) == 1


# 5. A server that never answers --------------------------------------------------------------------
def run_cli_process(args, env, timeout):
    """`python -m extendpipe ARGS` in a child process, killed if it outlives `timeout`."""
    full_env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "extendpipe", *map(str, args)], env=full_env,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


def test_read_timeout_names_the_endpoint_and_never_hangs(silent_server):
    env = {"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": silent_server.url}
    started = time.monotonic()

    proc = run_cli_process(["runs", "get", "workflow_run_abc", "--read-timeout", "2"], env, timeout=60)

    elapsed = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    assert messages(proc.stderr) == [f"error: GET /workflow_runs/workflow_run_abc: no answer within the 2 s "
                                     f"read timeout (127.0.0.1:{silent_server.port})"]
    assert proc.stdout == ""
    assert elapsed >= 2
    # A GET is retried twice after a read timeout (READ_RETRY): three 2 s waits plus the backoff.
    assert len(silent_server.accepted) == 3
    print(f"read-timeout 2 s: gave up after {elapsed:.1f} s and {len(silent_server.accepted)} connections")


def test_read_timeout_on_a_create_is_not_resent(tmp_path, emulator):
    """A create that timed out may have been committed: never resent blindly (the executor reconciles)."""
    emulator.faults.add(route="POST /workflow_runs", delay=1.5)
    with client_for(emulator, read_timeout=0.5) as client, pytest.raises(TransportError) as caught:
        client.create_runs("workflow_client", raw_texts=["x"])
    assert str(caught.value).startswith("POST /workflow_runs: no answer within the 0.5 s read timeout")
    assert len(creates(emulator)) == 1


# 6. A create whose answer is lost after the commit ---------------------------------------------------
def test_create_answer_lost_after_commit_is_adopted_not_resent(tmp_path, emulator, remote_env):
    manifest = write_project(tmp_path, {"a.txt": invoice(1), "b.txt": invoice(2)})
    emulator.faults.add(route="POST /workflow_runs", drop=True, after_commit=True)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, "--concurrency", "1", *FAST], env=remote_env)

    assert result.exit_code == 0, result.stderr
    assert len(creates(emulator)) == 2  # one per file: the lost one was found, not resent
    report = read_report(report_path)
    for row in report["runs"]:
        (run,) = runs_named(emulator, row["path"])
        assert row["runId"] == run["id"] and row["status"] == "PROCESSED", row
    assert report["requests"]["reconcileAdopted"] == 1


def test_create_answer_lost_before_commit_is_resent_once(tmp_path, emulator, remote_env):
    manifest = write_project(tmp_path, {"a.txt": invoice(1)})
    emulator.faults.add(route="POST /workflow_runs", drop=True)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, *FAST], env=remote_env)

    assert result.exit_code == 0, result.stderr
    assert len(creates(emulator)) == 2
    (row,) = read_report(report_path)["runs"]
    (run,) = runs_named(emulator, "docs/a.txt")
    assert row["runId"] == run["id"] and row["status"] == "PROCESSED" and row["attempts"] == 2


def test_create_answer_lost_for_a_file_sharing_content_with_another(tmp_path, emulator, remote_env):
    """Two paths, one content: the upload is shared, so is the server-side file name. The lost create
    of the second path must still be found, not resent."""
    manifest = write_project(tmp_path, {"a.txt": invoice(1), "b.txt": invoice(1)})
    emulator.faults.add(route="POST /workflow_runs", delay=0.0)  # consumed by the first create
    emulator.faults.add(route="POST /workflow_runs", drop=True, after_commit=True)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, "--concurrency", "1", *FAST], env=remote_env)

    assert result.exit_code == 0, result.stderr
    with client_for(emulator) as client:
        on_server = list(client.iter_runs())
    assert len(on_server) == 2, "the lost create was resent: a duplicate run was paid for"
    assert len(creates(emulator)) == 2


def test_create_503_with_retry_after_after_commit_is_not_resent_by_the_transport(emulator):
    """urllib3 retries 413/429/503 carrying Retry-After whatever status_forcelist says; a create
    answered 503 may have been committed, so SUBMIT_RETRY must not resend it."""
    emulator.faults.add(route="POST /workflow_runs", status=503, retry_after=1, after_commit=True)
    with client_for(emulator) as client, pytest.raises(ApiError) as caught:
        client.create_runs("workflow_client", raw_texts=["only once"])
    assert caught.value.status == 503
    assert len(creates(emulator)) == 1
    with client_for(emulator) as client:
        assert len(list(client.iter_runs())) == 1


def test_apply_create_503_after_commit_makes_one_run(tmp_path, emulator, remote_env):
    manifest = write_project(tmp_path, {"a.txt": invoice(1)})
    emulator.faults.add(route="POST /workflow_runs", status=503, retry_after=1, after_commit=True)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, *FAST], env=remote_env)

    assert result.exit_code == 0, result.stderr
    (run,) = runs_named(emulator, "docs/a.txt")
    (row,) = read_report(report_path)["runs"]
    assert row["runId"] == run["id"] and row["status"] == "PROCESSED"


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500", "drop"])
def test_an_upload_that_keeps_failing_stops_apply_after_bounded_attempts(tmp_path, emulator, remote_env,
                                                                         fast_retries, fault):
    """UPLOAD_RETRY makes at most 7 attempts per upload; the executor may try the upload again a
    few times, but never endlessly (before the wait timeout) and never as if a create were lost."""
    manifest = write_project(tmp_path, {"a.txt": invoice(1)})
    emulator.faults.add(route="POST /files/upload", count=None, **fault)
    report_path = tmp_path / "report.json"

    result = invoke(["apply", manifest, "--report", report_path, "--poll-interval", "0.05",
                     "--wait-timeout", "3"], env=remote_env)

    uploads = emulator.requests_matching("POST", "/files/upload")
    assert len(uploads) <= 3 * 7, f"{len(uploads)} uploads of one file"
    assert result.exit_code == 3, result.stderr
    assert "stopped: POST /files/upload: " in result.stderr
    assert creates(emulator) == []


def test_get_answer_dropped_is_retried(emulator, monkeypatch):
    monkeypatch.setattr(api_module, "READ_RETRY", READ_RETRY.new(backoff_factor=0.01, backoff_jitter=0.01))
    emulator.faults.add(route="GET /workflow_runs", drop=True, count=2)
    with client_for(emulator) as client:
        page, _ = client.list_runs_page()
    assert page == [] and len(emulator.requests_matching("GET", "/workflow_runs")) == 3


def test_cancel_answer_lost_after_commit_still_succeeds(emulator, remote_env):
    """WRITE_RETRY resends a cancel whose answer was lost; the resend finds the run CANCELLING."""
    emulator.faults.force_outcome("STUCK")
    with client_for(emulator) as client:
        (run,) = client.create_runs("workflow_client", raw_texts=["stuck"])
    emulator.faults.add(route="POST /workflow_runs/*/cancel", drop=True, after_commit=True)

    result = invoke(["runs", "cancel", run["id"], "--json"], env=remote_env)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] in ("CANCELLING", "CANCELLED")
    assert len(emulator.requests_matching("POST", f"/workflow_runs/{run['id']}/cancel")) == 2


def test_cancel_refused_without_a_lost_answer_still_fails(emulator, remote_env):
    with client_for(emulator) as client:
        (run,) = client.create_runs("workflow_client", raw_texts=["done"])
    assert emulator.wait_idle(10)

    result = invoke(["runs", "cancel", run["id"]], env=remote_env)

    assert result.exit_code == 1  # the server said no: exit 1, as for a run not found
    assert "cannot be cancelled: its status is PROCESSED" in result.stderr


def test_delete_answer_lost_after_commit_still_succeeds(emulator):
    with client_for(emulator) as client:
        (run,) = client.create_runs("workflow_client", raw_texts=["x"])
        emulator.faults.add(route="DELETE /workflow_runs/*", drop=True, after_commit=True)
        assert client.delete_run(run["id"])["workflowRunId"] == run["id"]
        with pytest.raises(ApiError) as caught:
            client.delete_run(run["id"])
    assert caught.value.status == 404
    assert len(emulator.requests_matching("DELETE", "/workflow_runs/")) == 3


# 7. Connection refused ------------------------------------------------------------------------------
def test_connection_refused_exits_3_with_one_clear_line(refused_url):
    env = {"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": refused_url}
    proc = run_cli_process(["runs", "list"], env, timeout=60)
    port = refused_url.rsplit(":", 1)[1]
    assert proc.returncode == 3
    assert messages(proc.stderr) == [f"error: GET /workflow_runs: connection refused or host unreachable "
                                     f"(127.0.0.1:{port})"]
    assert proc.stdout == ""
