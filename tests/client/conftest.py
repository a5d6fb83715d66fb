"""Fixtures for the API-client tests: a timed request log, a silent server, a refused port."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from client_helpers import KEY, SilentServer

import extendpipe.client.api as api_module
import extendpipe.client.transport as transport_module


@pytest.fixture
def fast_retries(monkeypatch):
    """The real retry policies with millisecond backoff, so failing servers cost no waiting."""
    for name in ("READ_RETRY", "SUBMIT_RETRY", "UPLOAD_RETRY", "WRITE_RETRY"):
        fast = getattr(transport_module, name).new(backoff_factor=0.001, backoff_jitter=0.001)
        monkeypatch.setattr(api_module, name, fast)
        monkeypatch.setattr(transport_module, name, fast)


@pytest.fixture
def remote_env(emulator):
    return {"EXTEND_API_KEY": KEY, "EXTEND_BASE_URL": emulator.url}


@pytest.fixture
def arrivals_for():
    """`arrivals_for(emu)`: a list filled with (monotonic arrival time, RecordedRequest), in arrival order.

    The emulator's request log has no timestamps, so its append is wrapped for the test (the
    record's status is filled in by the server after it is appended, so read it afterwards).
    """
    wrapped = []

    def attach(emu) -> list:
        log = emu.requests
        stamped: list = []
        lock = threading.Lock()
        original = log.append

        def append(record):
            with lock:
                stamped.append((time.monotonic(), record))
            original(record)

        log.append = append
        wrapped.append(log)
        return stamped

    yield attach
    for log in wrapped:
        del log.append


@pytest.fixture
def arrivals(emulator, arrivals_for):
    """Arrival times of the requests the `emulator` fixture receives (see arrivals_for)."""
    return arrivals_for(emulator)


@pytest.fixture
def silent_server():
    with SilentServer() as server:
        yield server


@pytest.fixture
def refused_url():
    """A loopback URL with nothing listening: bind a port, then close it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
