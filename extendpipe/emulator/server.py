"""HTTP layer: a ThreadingHTTPServer whose handler turns each request into a `routes.Request`,
asks the application for a `Reply`, records the request, and writes the answer (or drops the connection)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, unquote, urlsplit

import extendpipe.constants as constants

from .ids import request_id
from .routes import Request

log = logging.getLogger(__name__)
MAX_BODY = 200 * 1024 * 1024


@dataclass
class Reply:
    status: int
    body: Optional[dict[str, Any]] = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    headers: dict[str, str]
    request_id: str
    status: Optional[int] = None

    def __getitem__(self, key: str) -> Any:  # dict-style access too: req["path"]
        return getattr(self, key)


class RequestLog:
    """Thread-safe, list-like log of received requests."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self):
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RequestLog):
            other = other.snapshot()
        return self.snapshot() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __getitem__(self, index):
        with self._lock:
            return self._items[index]

    def matching(self, method: str, path_prefix: str = "") -> list[RecordedRequest]:
        return [r for r in self.snapshot() if r.method == method.upper() and r.path.startswith(path_prefix)]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # listen backlog; the default 5 reset connections when 200 clients connected at once

    def __init__(self, address, app: Callable[[Request], Reply], log_: RequestLog):
        self.app = app
        self.request_log = log_
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is not an error worth a traceback on stderr."""
        log.debug("connection from %s ended abnormally", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ExtendEmulator/1.0"
    timeout = 120  # idle keep-alive connections close after this
    server: Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed ACKs
        # add ~40 ms to every answer on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        rid = request_id()
        url = urlsplit(self.path)
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._write(Reply(400, {"success": False, "error": "Malformed or too large request body"}), rid)
            return
        request = Request(
            self.command,
            unquote(url.path),
            parse_qs(url.query, keep_blank_values=True),
            headers,
            body,
            request_id=rid,
        )
        record = RecordedRequest(request.method, request.path, request.query, None, headers, rid)
        if body and "multipart/" not in headers.get("content-type", ""):
            try:
                request.json = record.json = json.loads(body)
            except ValueError:
                request.json = _MALFORMED
        self.server.request_log.append(record)
        reply = self.server.app(request)
        record.status = reply.status
        if reply.delay:
            time.sleep(reply.delay)  # a "slow answer" fault
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._write(reply, rid)

    def _write(self, reply: Reply, rid: str) -> None:
        payload = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header(constants.REQUEST_ID_HEADER, rid)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class _Malformed:
    """Marker for a body that is not valid JSON."""


_MALFORMED = _Malformed()
