"""Supported types the emulator cannot read (images, Office files) are accepted on upload; their runs
fail with FILE_TYPE_NOT_SUPPORTED, PowerPoint included (typed PDF on upload, as the API converts it)."""

from __future__ import annotations

import pytest

import extendpipe.constants as constants

ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40


CASES = [
    ("deck.pptx", ZIP, "PDF"),
    ("deck.ppt", OLE, "PDF"),
    ("memo.docx", ZIP, "DOCX"),
    ("sheet.xlsx", ZIP, "EXCEL"),
    ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "IMG"),
]


@pytest.mark.parametrize("name, data, file_type", [pytest.param(*case, id=case[0]) for case in CASES])
def test_unreadable_supported_types_fail_as_not_supported(emulator, api, name, data, file_type):
    file = api.upload(name, data)
    assert file["type"] == file_type
    run = api.create(workflowId="workflow_a", files=[{"fileId": file["id"]}])[0]
    done = api.wait_status(run["id"], constants.FINAL_STATUSES)
    assert (done["status"], done["failureReason"]) == ("FAILED", "FILE_TYPE_NOT_SUPPORTED")
    status, body, _ = api.call("GET", f"/files/{file['id']}", query={"rawText": "true"})
    assert (status, body["code"]) == (400, "FILE_TYPE_NOT_SUPPORTED")
