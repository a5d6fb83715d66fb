"""GET /workflow_runs: filters, sort, keyset pagination over a snapshot, token format."""

from __future__ import annotations

import base64
from urllib.parse import quote


def _all_pages(api, query):
    seen, pages, token = [], 0, None
    while True:
        q = dict(query)
        if token:
            q["nextPageToken"] = token
        status, body, _ = api.call("GET", "/workflow_runs", query=q)
        assert status == 200, body
        pages += 1
        seen += [r["id"] for r in body["workflowRuns"]]
        token = body.get("nextPageToken")
        if token is None:
            assert "nextPageToken" not in body
            return seen, pages


def test_filters_and_sorting(emulator, api):
    a = api.create(workflowId="workflow_a", rawTexts=["x", "y"])
    b = api.create(workflowId="workflow_b", rawTexts=["z"])
    file = api.upload("Report-ACME.txt", b"Invoice number: 1")
    c = api.create(workflowId="workflow_b", files=[{"fileId": file["id"]}])
    assert emulator.wait_idle(10)
    ids = {"a": [r["id"] for r in a], "b": [r["id"] for r in b], "c": [r["id"] for r in c]}
    seen, _ = _all_pages(api, {"workflowId": "workflow_a"})
    assert sorted(seen) == sorted(ids["a"])
    seen, _ = _all_pages(api, {"fileNameContains": "acme"})
    assert seen == ids["c"]
    seen, _ = _all_pages(api, {"sortBy": "createdAt", "sortDir": "asc"})
    assert seen == ids["a"] + ids["b"] + ids["c"]
    seen, _ = _all_pages(api, {"sortBy": "createdAt"})
    assert seen == list(reversed(ids["a"] + ids["b"] + ids["c"]))
    seen, _ = _all_pages(api, {"status": "PROCESSED"})
    assert len(seen) == 4
    seen, _ = _all_pages(api, {"status": "PENDING"})
    assert seen == []
    status, body, _ = api.call("GET", "/workflow_runs", query={"maxPageSize": "1"})
    summary = body["workflowRuns"][0]
    for key in (
        "id",
        "status",
        "initialRunAt",
        "startTime",
        "endTime",
        "workflowId",
        "workflowName",
        "workflowVersionId",
        "createdAt",
        "updatedAt",
    ):
        assert key in summary
    assert summary["workflowVersionId"].startswith("workflow_version_")
    assert "outputs" not in summary


def test_pagination_token_has_url_special_characters(emulator, api):
    api.create(workflowId="workflow_a", rawTexts=[f"t{i}" for i in range(25)])
    status, body, _ = api.call("GET", "/workflow_runs", query={"maxPageSize": "10"})
    token = body["nextPageToken"]
    assert all(ch in token for ch in "+/=")
    # Sent unencoded, "+" turns into a space: the server refuses the token.
    status, body, _ = api.call("GET", "/workflow_runs?maxPageSize=10&nextPageToken=" + token)
    assert status == 400 and "nextPageToken is malformed" in body["error"]
    status, body, _ = api.call("GET", "/workflow_runs?maxPageSize=10&nextPageToken=" + quote(token, safe=""))
    assert status == 200 and len(body["workflowRuns"]) == 10
    seen, pages = _all_pages(api, {"maxPageSize": "10"})
    assert len(seen) == len(set(seen)) == 25 and pages == 3


def test_changed_filters_or_garbage_token_are_400(api):
    api.create(workflowId="workflow_a", rawTexts=["a", "b", "c"])
    _, body, _ = api.call("GET", "/workflow_runs", query={"maxPageSize": "1"})
    status, answer, _ = api.call(
        "GET",
        "/workflow_runs",
        query={"maxPageSize": "1", "sortBy": "createdAt", "nextPageToken": body["nextPageToken"]},
    )
    assert (status, answer["error"]) == (
        400,
        "nextPageToken was issued for different filters or sort; keep them unchanged",
    )
    bogus = base64.b64encode(b"hello").decode()
    status, answer, _ = api.call("GET", "/workflow_runs", query={"nextPageToken": bogus})
    assert status == 400
    for query in (
        {"maxPageSize": "0"},
        {"maxPageSize": "1001"},
        {"maxPageSize": "x"},
        {"sortBy": "name"},
        {"sortDir": "up"},
        {"status": "DONE"},
    ):
        assert api.call("GET", "/workflow_runs", query=query)[0] == 400, query


def test_runs_updating_between_pages_are_never_repeated_or_skipped(emulator, api):
    """Sorted by updatedAt desc, runs updated while paging still appear exactly once."""
    created = api.create(workflowId="workflow_a", rawTexts=[str(i) for i in range(30)])
    assert emulator.wait_idle(10)
    seen, token, page = [], None, 0
    while True:
        query = {"maxPageSize": "4"}
        if token:
            query["nextPageToken"] = token
        status, body, _ = api.call("GET", "/workflow_runs", query=query)
        assert status == 200
        seen += [r["id"] for r in body["workflowRuns"]]
        token = body.get("nextPageToken")
        if not token:
            break
        page += 1
        # Touch one run already seen and one not yet seen: both jump to the top of updatedAt desc.
        unseen = [r["id"] for r in created if r["id"] not in seen]
        for run_id in (seen[0], unseen[-1]):
            assert api.call("POST", f"/workflow_runs/{run_id}", {"metadata": {"page": page}})[0] == 200
    assert len(seen) == len(set(seen)) == 30
    assert sorted(seen) == sorted(r["id"] for r in created)


def test_batch_id_filter(emulator, api):
    emulator.backend.create_runs({"workflowId": "workflow_a", "rawTexts": ["x"]}, batch_id="batch_1")
    api.create(workflowId="workflow_a", rawTexts=["y"])
    _, body, _ = api.call("GET", "/workflow_runs", query={"batchId": "batch_1"})
    assert [r["batchId"] for r in body["workflowRuns"]] == ["batch_1"]


def test_file_name_names_the_run_and_both_names_are_searchable(emulator, api):
    file = api.upload("docs/a.txt", b"Invoice number: 1")
    first, second = api.create(
        workflowId="workflow_a",
        files=[{"fileId": file["id"]}, {"fileId": file["id"], "fileName": "docs/b.txt"}],
    )
    assert (first["name"], second["name"]) == ("docs/a.txt", "docs/b.txt")
    assert second["files"][0]["name"] == "docs/a.txt"
    _, body, _ = api.call("GET", "/workflow_runs", query={"fileNameContains": "b.txt"})
    assert [r["id"] for r in body["workflowRuns"]] == [second["id"]]
    _, body, _ = api.call("GET", "/workflow_runs", query={"fileNameContains": "A.TXT"})
    assert sorted(r["id"] for r in body["workflowRuns"]) == sorted([first["id"], second["id"]])
