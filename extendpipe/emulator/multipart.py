"""multipart/form-data parsing with the `email` package (the cgi module is gone in Python 3.13)."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Optional

from .errors import bad_request


@dataclass
class Part:
    name: Optional[str]
    filename: Optional[str]
    data: bytes


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    if "boundary=" not in content_type:
        raise bad_request("multipart/form-data needs a boundary")
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise bad_request("Malformed multipart body")
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        parts.append(
            Part(
                part.get_param("name", header="content-disposition"),
                part.get_filename(),
                payload if payload is not None else b"",
            )
        )
    return parts
