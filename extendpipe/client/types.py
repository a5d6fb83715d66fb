"""Typed response objects that tolerate what this client does not know.

Each object is the JSON object the server sent (a dict: every field, unknown ones included, so
nothing is lost and `json.dumps` writes it back as it came) with typed, read-only properties for
the fields extendpipe relies on. A status this client does not know (the API adds them, as it
added CANCELLED) is kept as it is, treated as not final, and warned about once per process.
"""

from __future__ import annotations

import logging
import threading

from extendpipe.constants import ALL_STATUSES, FINAL_STATUSES

log = logging.getLogger("extendpipe.client")
_warned: set[str] = set()
_warned_lock = threading.Lock()


def check_status(status) -> None:
    if isinstance(status, str) and status not in ALL_STATUSES:
        with _warned_lock:
            if status in _warned:
                return
            _warned.add(status)
        log.warning("the API answered a status this extendpipe does not know: %r; it is treated as not final "
                    "(a newer extendpipe may know it)", status)


class ApiObject(dict):
    """A response object: the server's fields as a dict, plus typed properties."""

    def _text(self, key: str) -> str | None:
        value = self.get(key)
        return value if isinstance(value, str) else None

    @property
    def id(self) -> str | None:
        return self._text("id")


class File(ApiObject):
    @property
    def name(self) -> str | None:
        return self._text("name")

    @property
    def type(self) -> str | None:
        return self._text("type")


class _HasStatus(ApiObject):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        check_status(self.get("status"))

    @property
    def status(self) -> str | None:
        return self._text("status")

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


class WorkflowRunSummary(_HasStatus):
    @property
    def workflow_id(self) -> str | None:
        return self._text("workflowId")

    @property
    def updated_at(self) -> str | None:
        return self._text("updatedAt")


class WorkflowRun(_HasStatus):
    @property
    def name(self) -> str | None:
        return self._text("name")

    @property
    def metadata(self) -> dict:
        value = self.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def outputs(self) -> list:
        value = self.get("outputs")
        return value if isinstance(value, list) else []

    @property
    def workflow_version(self) -> str | None:
        workflow = self.get("workflow")
        version = workflow.get("version") if isinstance(workflow, dict) else None
        return str(version) if version is not None else None

    @property
    def failure_reason(self) -> str | None:
        return self._text("failureReason")

    @property
    def failure_message(self) -> str | None:
        return self._text("failureMessage")
