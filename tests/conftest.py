"""Shared fixtures: a real emulator on loopback, and guards against touching $HOME or the network."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.fixture(autouse=True)
def _guard_home_and_network(tmp_path, monkeypatch):
    """Fail any test that writes to the real $HOME or connects to a non-loopback host."""
    fake_home = tmp_path / "home"
    fake_home.mkdir()
    monkeypatch.setenv("HOME", str(fake_home))
    monkeypatch.delenv("EXTEND_API_KEY", raising=False)
    monkeypatch.delenv("EXTEND_BASE_URL", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and sock.family in (socket.AF_INET, socket.AF_INET6):
            if not (host.startswith("127.") or host in ("localhost", "::1")):
                raise AssertionError(f"test tried to reach a non-loopback host: {host!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield


@pytest.fixture
def emulator(tmp_path):
    """A real emulator on 127.0.0.1, port 0, with a fresh SQLite file; yields its handle."""
    from extendpipe.emulator import Emulator

    emu = Emulator(db_path=tmp_path / "emulator.sqlite3", api_keys={"test-key"})
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def project_env(monkeypatch):
    """Environment variables a test sets for the CLI (none by default)."""
    return os.environ
