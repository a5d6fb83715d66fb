"""Helpers for the API-client tests: the CLI in-process, projects in tmp_path, test servers."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from click.testing import CliRunner

from extendpipe.cli import cli

KEY = "test-key"
FAST = ["--poll-interval", "0.05", "--wait-timeout", "60"]

MANIFEST = """\
version: 1
name: client
steps:
  - name: docs
    workflow: workflow_client
    metadata: {team: qa}
    inputs:
      include: ["docs/*"]
"""


def invoke(args, env=None):
    """Run `extendpipe ARGS`; stdout and stderr are kept apart (click >= 8.2)."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def messages(stderr: str) -> list[str]:
    """stderr's lines without the banner naming the target ("Using the Extend API at ...")."""
    return [line for line in stderr.splitlines() if not line.startswith("Using the ")]


def write_project(folder: Path, files: dict[str, str], manifest: str = MANIFEST) -> Path:
    """docs/NAME files with the given texts, and the manifest beside them; returns the manifest path."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (docs / name).write_text(text)
    path = folder / "pipeline.yaml"
    path.write_text(manifest)
    return path


def invoice(number: int) -> str:
    return f"ACME Supplies Ltd.\nInvoice number: INV-{number:05d}\nInvoice date: 5 March 2024\nTotal due: 12.50 EUR\n"


def creates(emulator) -> list:
    """The POST /workflow_runs the server received (not batch, update or cancel)."""
    return [r for r in emulator.requests_matching("POST", "/workflow_runs") if r.path == "/workflow_runs"]


class SilentServer:
    """Accepts TCP connections and never answers (nor closes them) until stopped."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:  # the accept timeout: look at the stop flag again
                continue
            self.accepted.append(conn)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()
