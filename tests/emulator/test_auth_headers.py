"""Authorization and API-version header checks; control of accepted keys."""

from __future__ import annotations

import extendpipe.constants as constants


def test_missing_or_wrong_key_is_401(emulator, api):
    status, body, headers = api.call(
        "GET", "/workflow_runs", headers={constants.API_VERSION_HEADER: "2025-04-21"}
    )
    assert (status, body) == (
        401,
        {"success": False, "error": "Unauthorized: send Authorization: Bearer <API key>"},
    )
    assert headers["x-extend-request-id"]
    status, body, _ = api.call(
        "GET",
        "/workflow_runs",
        headers={"Authorization": "Bearer wrong", constants.API_VERSION_HEADER: "2025-04-21"},
    )
    assert (status, body) == (401, {"success": False, "error": "Unauthorized: the API key is not valid"})
    status, _, _ = api.call(
        "GET",
        "/workflow_runs",
        headers={"Authorization": "Bearer ", constants.API_VERSION_HEADER: "2025-04-21"},
    )
    assert status == 401


def test_version_header_missing_or_unsupported_is_400(api):
    status, body, _ = api.call("GET", "/workflow_runs", headers={"Authorization": "Bearer test-key"})
    assert (status, body) == (
        400,
        {
            "success": False,
            "error": (
                "Missing the x-extend-api-version header: this API key requires an explicit API version "
                "(supported: 2025-04-21)"
            ),
        },
    )
    status, body, _ = api.call(
        "GET",
        "/workflow_runs",
        headers={"Authorization": "Bearer test-key", constants.API_VERSION_HEADER: "2026-02-09"},
    )
    assert (status, body) == (
        400,
        {
            "success": False,
            "error": (
                "Unsupported API version '2026-02-09' in x-extend-api-version: "
                "this server supports 2025-04-21"
            ),
        },
    )


def test_requests_are_logged_with_headers(emulator, api):
    api.create(workflowId="workflow_a", rawTexts=["x"], metadata={"m": 1})
    posts = emulator.requests_matching("POST", "/workflow_runs")
    assert len(posts) == 1
    assert posts[0].json["metadata"] == {"m": 1}
    assert posts[0].headers["authorization"] == "Bearer test-key"
    assert posts[0]["method"] == "POST" and posts[0].status == 200
    api.call("GET", "/workflow_runs", query={"status": "PENDING"})
    assert emulator.requests_matching("GET", "/workflow_runs")[0].query == {"status": ["PENDING"]}
