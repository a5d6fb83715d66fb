"""`extendpipe runs list|get|update|cancel` against the emulator: paging, filters, sorting, JSON output."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import urllib3
from client_helpers import KEY, invoke, messages

from extendpipe.client import ExtendClient, TransportConfig
from extendpipe.constants import ALL_STATUSES, API_VERSION, API_VERSION_HEADER
from extendpipe.emulator import Emulator

WORKFLOWS = ("workflow_alpha", "workflow_beta", "workflow_gamma")
FILE_NAMES = ("north-report.txt", "south-report.txt", "east-memo.txt")
TOTAL = 2500
BATCH = 50


def server_listing(url: str, **params) -> list[dict]:
    """Every summary the server lists for these parameters, following page tokens (plain urllib3)."""
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))
    headers = {"Authorization": f"Bearer {KEY}", API_VERSION_HEADER: API_VERSION}
    rows, token = [], None
    try:
        while True:
            query = {**params, "maxPageSize": 1000, **({"nextPageToken": token} if token else {})}
            response = pool.request("GET", f"{url}/workflow_runs?{urlencode(query)}", headers=headers)
            assert response.status == 200, response.data
            body = json.loads(response.data)
            rows += body["workflowRuns"]
            token = body.get("nextPageToken")
            if not token:
                return rows
    finally:
        pool.clear()


@pytest.fixture(scope="module")
def many_runs(tmp_path_factory):
    """2,500 finished runs over three workflows, several file names and statuses; shared by the module."""
    folder = tmp_path_factory.mktemp("many-runs")
    emu = Emulator(db_path=folder / "emulator.sqlite3", api_keys={KEY}, workers=4)
    emu.start()
    try:
        emu.faults.force_outcome("FAILED", count=300, failure_reason="CORRUPT_FILE")
        emu.faults.force_outcome("NEEDS_REVIEW", count=200)
        with ExtendClient(TransportConfig(base_url=emu.url, api_key=KEY)) as client:
            files = []
            for name in FILE_NAMES:
                (folder / name).write_text(f"Invoice number: {name}\nTotal due: 1.00 EUR\n")
                files.append(client.upload_file(folder / name))
            for batch in range(TOTAL // BATCH):
                workflow = WORKFLOWS[batch % 3]
                if batch % 2:
                    refs = [{"fileId": files[(batch + i) % 3]["id"]} for i in range(BATCH)]
                    client.create_runs(workflow, files=refs, metadata={"batch": batch})
                else:
                    texts = [f"Invoice number: {batch}-{i}\n" for i in range(BATCH)]
                    client.create_runs(workflow, raw_texts=texts, metadata={"batch": batch})
        assert emu.wait_idle(60), "the emulator did not finish 2,500 runs in 60 s"
        yield emu
    finally:
        emu.stop()


def cli_list(url: str, *args) -> tuple[dict, object]:
    result = invoke(["runs", "list", *args], env={"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": url})
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result


def test_list_all_returns_each_run_exactly_once(many_runs):
    doc, result = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json")

    ids = [r["id"] for r in doc["workflowRuns"]]
    assert len(ids) == TOTAL and len(set(ids)) == TOTAL
    assert "nextPageToken" not in doc
    assert doc["workflowRuns"] == server_listing(many_runs.url)
    pages = [r for r in many_runs.requests if r.method == "GET" and r.path == "/workflow_runs"]
    assert [r.query["maxPageSize"] for r in pages[-3:]] == [["1000"]] * 3
    assert messages(result.stderr) == []


def test_list_statuses_cover_every_run(many_runs):
    seen = {}
    for status in ALL_STATUSES:
        doc, _ = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json", "--status", status)
        assert doc["workflowRuns"] == server_listing(many_runs.url, status=status), status
        assert {r["status"] for r in doc["workflowRuns"]} <= {status}
        seen[status] = len(doc["workflowRuns"])
    assert sum(seen.values()) == TOTAL
    assert seen["FAILED"] >= 300 and seen["NEEDS_REVIEW"] == 200 and seen["PROCESSED"] > 0, seen


@pytest.mark.parametrize("args, params", [
    (["--workflow", "workflow_beta"], {"workflowId": "workflow_beta"}),
    (["--file-name-contains", "report"], {"fileNameContains": "report"}),
    (["--file-name-contains", "raw_text"], {"fileNameContains": "raw_text"}),
    (["--file-name-contains", "nothing-matches"], {"fileNameContains": "nothing-matches"}),
    (["--workflow", "workflow_gamma", "--status", "PROCESSED", "--file-name-contains", "memo"],
     {"workflowId": "workflow_gamma", "status": "PROCESSED", "fileNameContains": "memo"}),
    (["--sort-by", "createdAt", "--sort-dir", "asc"], {"sortBy": "createdAt", "sortDir": "asc"}),
    (["--sort-by", "createdAt", "--sort-dir", "desc"], {"sortBy": "createdAt", "sortDir": "desc"}),
    (["--sort-by", "updatedAt", "--sort-dir", "asc", "--workflow", "workflow_alpha"],
     {"sortBy": "updatedAt", "sortDir": "asc", "workflowId": "workflow_alpha"}),
])
def test_list_filters_and_sorting_match_the_server(many_runs, args, params):
    doc, _ = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json", *args)
    assert doc["workflowRuns"] == server_listing(many_runs.url, **params)


def test_list_filters_select_what_they_say(many_runs):
    beta, _ = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json", "--workflow", "workflow_beta")
    assert {r["workflowId"] for r in beta["workflowRuns"]} == {"workflow_beta"}
    assert len(beta["workflowRuns"]) == sum(BATCH for b in range(TOTAL // BATCH) if b % 3 == 1)
    oldest_first, _ = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json",
                               "--sort-by", "createdAt", "--sort-dir", "asc")
    created = [r["createdAt"] for r in oldest_first["workflowRuns"]]
    assert created == sorted(created)
    updated, _ = cli_list(many_runs.url, "--all", "--page-size", "1000", "--json")
    stamps = [r["updatedAt"] for r in updated["workflowRuns"]]
    assert stamps == sorted(stamps, reverse=True)


def test_list_one_page_then_the_next_with_its_token(many_runs):
    first, result = cli_list(many_runs.url, "--page-size", "7", "--json", "--sort-by", "createdAt")
    token = first["nextPageToken"]
    assert any(c in token for c in "+/=")  # must be URL-encoded on the way back
    second, _ = cli_list(many_runs.url, "--page-size", "7", "--json", "--sort-by", "createdAt",
                         "--page-token", token)
    expected = server_listing(many_runs.url, sortBy="createdAt")[:14]
    assert first["workflowRuns"] + second["workflowRuns"] == expected


def test_list_table_output(many_runs):
    result = invoke(["runs", "list", "--page-size", "3", "--workflow", "workflow_alpha"],
                    env={"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": many_runs.url})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "WORKFLOWID", "WORKFLOWNAME", "CREATEDAT", "UPDATEDAT"]
    assert len(lines) == 4 and all(line.startswith("workflow_run_") for line in lines[1:])
    (more,) = messages(result.stderr)
    assert more.startswith("(more: --page-token '") and more.endswith("' or --all)")


def test_list_all_with_a_page_token_is_a_usage_error(many_runs):
    result = invoke(["runs", "list", "--all", "--page-token", "abc"],
                    env={"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": many_runs.url})
    assert result.exit_code == 2
    assert messages(result.stderr) == ["error: --all starts from the first page (hint: drop --page-token)"]


# get / update / cancel -------------------------------------------------------------------------
@pytest.fixture
def client(emulator):
    with ExtendClient(TransportConfig(base_url=emulator.url, api_key=KEY)) as c:
        yield c


def test_get_prints_the_run(emulator, remote_env, client):
    (run,) = client.create_runs("workflow_client", raw_texts=["Invoice number: INV-7\n"], metadata={"k": "v"})
    assert emulator.wait_idle(10)

    as_json = invoke(["runs", "get", run["id"], "--json"], env=remote_env)
    as_text = invoke(["runs", "get", run["id"]], env=remote_env)

    assert as_json.exit_code == 0 and as_text.exit_code == 0, as_json.stderr + as_text.stderr
    assert json.loads(as_json.stdout) == client.get_run(run["id"])
    lines = as_text.stdout.splitlines()
    assert lines[:3] == [f"id: {run['id']}", "name: raw_text.txt", "status: PROCESSED"]
    assert 'metadata: {"k": "v"}' in lines


def test_get_unknown_run_exits_1_with_the_servers_message(emulator, remote_env):
    result = invoke(["runs", "get", "workflow_run_nope"], env=remote_env)
    assert result.exit_code == 1
    (request,) = emulator.requests_matching("GET", "/workflow_runs/")
    assert messages(result.stderr) == [f"error: GET /workflow_runs/workflow_run_nope: 404 Workflow run "
                                       f"workflow_run_nope not found (request id {request.request_id})"]


def test_update_merges_metadata_incoming_keys_win(emulator, remote_env, client):
    (run,) = client.create_runs("workflow_client", raw_texts=["x"], metadata={"team": "qa", "k": "old"})

    result = invoke(["runs", "update", run["id"], "--name", "renamed.txt", "--metadata", "k=new",
                     "--metadata", "n=5", "--metadata", '{"nested": {"a": 1}}', "--json"], env=remote_env)

    assert result.exit_code == 0, result.stderr
    expected = {"team": "qa", "k": "new", "n": 5, "nested": {"a": 1}}
    shown = json.loads(result.stdout)
    assert shown["name"] == "renamed.txt" and shown["metadata"] == expected
    stored = client.get_run(run["id"])
    assert stored["name"] == "renamed.txt" and stored["metadata"] == expected
    (sent,) = emulator.requests_matching("POST", f"/workflow_runs/{run['id']}")
    assert sent.json == {"name": "renamed.txt", "metadata": {"k": "new", "n": 5, "nested": {"a": 1}}}


def test_update_needs_something_to_update(emulator, remote_env):
    result = invoke(["runs", "update", "workflow_run_x"], env=remote_env)
    assert result.exit_code == 2 and len(emulator.requests) == 0
    assert messages(result.stderr) == ["error: nothing to update (hint: give --name or --metadata)"]


def test_cancel_a_pending_and_a_processing_run(tmp_path):
    # One worker held in PROCESSING for a long time: the second run stays PENDING.
    with Emulator(db_path=tmp_path / "slow.sqlite3", api_keys={KEY}, workers=1, processing_delay=600) as emu:
        env = {"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": emu.url}
        with ExtendClient(TransportConfig(base_url=emu.url, api_key=KEY)) as client:
            first, second = client.create_runs("workflow_client", raw_texts=["first", "second"])
            assert client.get_run(second["id"])["status"] == "PENDING"

            pending = invoke(["runs", "cancel", second["id"], "--json"], env=env)
            assert pending.exit_code == 0, pending.stderr
            assert json.loads(pending.stdout)["status"] in ("CANCELLING", "CANCELLED")

            processing = invoke(["runs", "cancel", first["id"]], env=env)
            assert processing.exit_code == 0, processing.stderr
            assert f"id: {first['id']}" in processing.stdout

            assert emu.wait_idle(10)
            assert {client.get_run(r["id"])["status"] for r in (first, second)} == {"CANCELLED"}

            again = invoke(["runs", "cancel", second["id"]], env=env)
            assert again.exit_code == 1
            assert "cannot be cancelled: its status is CANCELLED" in again.stderr
