"""Route table: (method, path pattern) → handler on the Backend. Thin: parse inputs, call, return."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ApiError, bad_request
from .multipart import parse_multipart


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    request_id: str = ""


def _json_body(request: Request) -> Any:
    if not request.body.strip():
        return {}
    return request.json


def upload(backend, request: Request, **_: str) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise bad_request("Upload must be multipart/form-data with one part named file")
    parts = parse_multipart(content_type, request.body)
    files = [part for part in parts if part.name == "file"]
    if len(files) != 1:
        raise bad_request("Upload must hold exactly one part named file")
    return backend.upload_file(files[0].filename or "", files[0].data)


def get_file(backend, request: Request, file_id: str) -> dict[str, Any]:
    flag = request.query.get("rawText", ["false"])[-1].lower()
    return backend.get_file(file_id, flag in ("true", "1"))


ROUTES: list[tuple[str, re.Pattern[str], Callable[..., dict[str, Any]]]] = [
    ("POST", re.compile(r"^/files/upload$"), upload),
    ("GET", re.compile(r"^/files/(?P<file_id>[^/]+)$"), get_file),
    ("POST", re.compile(r"^/workflow_runs$"), lambda b, r: b.run_workflow(_json_body(r))),
    ("GET", re.compile(r"^/workflow_runs$"), lambda b, r: b.list_runs(r.query)),
    ("POST", re.compile(r"^/workflow_runs/batch$"), lambda b, r: b.batch(_json_body(r))),
    ("GET", re.compile(r"^/workflow_runs/(?P<run_id>[^/]+)$"), lambda b, r, run_id: b.get_run(run_id)),
    (
        "POST",
        re.compile(r"^/workflow_runs/(?P<run_id>[^/]+)$"),
        lambda b, r, run_id: b.update_run(run_id, _json_body(r)),
    ),
    ("DELETE", re.compile(r"^/workflow_runs/(?P<run_id>[^/]+)$"), lambda b, r, run_id: b.delete_run(run_id)),
    (
        "POST",
        re.compile(r"^/workflow_runs/(?P<run_id>[^/]+)/cancel$"),
        lambda b, r, run_id: b.cancel_run(run_id),
    ),
]


def dispatch(backend, request: Request) -> dict[str, Any]:
    """Call the handler for the request; 404 for unknown paths, 405 for known paths and wrong methods."""
    allowed = []
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if not match:
            continue
        if method != request.method:
            allowed.append(method)
            continue
        return handler(backend, request, **match.groupdict())
    if allowed:
        raise ApiError(
            405,
            f"Method {request.method} not allowed on {request.path}",
            headers={"Allow": ", ".join(sorted(set(allowed)))},
        )
    raise ApiError(404, f"No route for {request.method} {request.path}")


def category(method: str, path: str) -> str:
    """Rate-limit category of a request: RUN (creating runs), GET, or WRITE."""
    if method == "POST" and path in ("/workflow_runs", "/workflow_runs/batch"):
        return "RUN"
    return "GET" if method in ("GET", "HEAD") else "WRITE"
