"""GET /workflow_runs: query validation and paging (see pagination.py for the snapshot design)."""

from __future__ import annotations

from typing import Any

import extendpipe.constants as constants

from . import pagination, render
from .errors import bad_request
from .store import Store


def list_runs(store: Store, query: dict[str, list[str]]) -> dict[str, Any]:
    """GET /workflow_runs: validate the query, then read a page (first page or from a token)."""
    params = {key: values[-1] for key, values in query.items() if values}
    status = params.get("status")
    if status is not None and status not in constants.ALL_STATUSES:
        raise bad_request(f"status must be one of {', '.join(constants.ALL_STATUSES)}")
    params.setdefault("sortBy", "updatedAt")
    params.setdefault("sortDir", "desc")
    if params["sortBy"] not in ("updatedAt", "createdAt"):
        raise bad_request("sortBy must be updatedAt or createdAt")
    if params["sortDir"] not in ("asc", "desc"):
        raise bad_request("sortDir must be asc or desc")
    size_text = params.get("maxPageSize", str(constants.DEFAULT_PAGE_SIZE))
    if not size_text.isdigit() or not constants.MIN_PAGE_SIZE <= int(size_text) <= constants.MAX_PAGE_SIZE:
        raise bad_request(
            f"maxPageSize must be an integer from {constants.MIN_PAGE_SIZE} to {constants.MAX_PAGE_SIZE}"
        )
    size = int(size_text)
    fhash = pagination.filter_hash(params)
    token = params.get("nextPageToken")
    if token:
        try:
            snapshot_id, position, token_hash = pagination.decode(token)
        except pagination.TokenError as exc:
            raise bad_request(f"{exc} (URL-encode it: it contains + / = characters)") from exc
        if token_hash != fhash:
            raise bad_request("nextPageToken was issued for different filters or sort; keep them unchanged")
        rows, more, stored_hash = store.list_next_page(snapshot_id, position, size)
        if stored_hash is None:
            raise bad_request("nextPageToken has expired or is unknown; start the listing again")
        next_position = position + size
    else:
        snapshot_id = pagination.new_snapshot_id()
        rows, more = store.list_first_page(params, params["sortBy"], params["sortDir"], size, snapshot_id, fhash)
        next_position = size
    answer: dict[str, Any] = {"success": True, "workflowRuns": [render.summary_json(r) for r in rows]}
    if more:
        answer["nextPageToken"] = pagination.encode(snapshot_id, next_position, fhash)
    return answer
