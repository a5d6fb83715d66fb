"""Under a pseudo-terminal, apply shows one progress line updated in place; in a pipe, plain lines."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from extendpipe.emulator import Emulator

REPO = Path(__file__).resolve().parent.parent
MANIFEST = """\
version: 1
name: tty
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {include: ["docs/*.txt"]}
"""


def project(tmp_path: Path) -> dict:
    (tmp_path / "docs").mkdir()
    for i in range(8):
        (tmp_path / "docs" / f"n{i}.txt").write_text(f"Invoice number: T-{i}\nTotal: {i}.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return {**os.environ, "EXTEND_API_KEY": "k", "TERM": "xterm", "NO_COLOR": "",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def command() -> list[str]:
    return [sys.executable, "-m", "extendpipe", "apply", "m.yaml", "--report", "r.json", "--poll-interval", "0.05"]


def test_progress_line_updates_in_place_on_a_terminal(tmp_path):
    env = project(tmp_path)
    with Emulator(tmp_path / "e.sqlite3", workers=1, processing_delay=0.25) as emu:
        env["EXTEND_BASE_URL"] = emu.url
        master, slave = pty.openpty()
        proc = subprocess.Popen(command(), cwd=tmp_path, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        output = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError("no output for 60 s")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        os.close(master)
        assert proc.wait(timeout=30) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "\r" in text and "\x1b[K" in text, text
    redraws = re.findall(r"\r(?!\n)[^\r\n]*\x1b\[K", text)
    assert len(redraws) >= 3, text  # the line was redrawn in place while runs were in flight
    assert any("PROCESSING" in line for line in redraws)
    assert "8 run(s), 8 succeeded" in text


def test_no_carriage_returns_or_escapes_in_a_pipe(tmp_path):
    env = project(tmp_path)
    with Emulator(tmp_path / "e.sqlite3", workers=1, processing_delay=0.05) as emu:
        env["EXTEND_BASE_URL"] = emu.url
        proc = subprocess.run(command(), cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert b"\r" not in proc.stderr and b"\x1b" not in proc.stderr
    assert proc.stderr.count(b"PROCESSED    notes") == 8
