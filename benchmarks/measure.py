"""Run a child process and measure it alone: wall time, its own CPU (user + system) and peak RSS.

The command runs under launch.py, which spawns it and reads its rusage with `os.wait4`: exactly that
process (and descendants it reaped), never the emulator running in this process, and a peak RSS
not inflated by this process's memory (see launch.py). A timer kills the whole process group of a
command that overruns.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAUNCHER = Path(__file__).resolve().parent / "launch.py"


@dataclass
class Measured:
    argv: list
    returncode: int
    wall: float
    cpu: float            # user + system seconds of the child
    user: float
    system: float
    max_rss_mb: float     # the child's peak resident set
    stdout: str
    stderr: str
    timed_out: bool

    def brief(self) -> dict:
        return {"wall_seconds": round(self.wall, 3), "cpu_seconds": round(self.cpu, 3),
                "peak_rss_mb": round(self.max_rss_mb, 1), "exit_code": self.returncode,
                "timed_out": self.timed_out}


def child_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("EXTEND_API_KEY", None)
    env.pop("EXTEND_BASE_URL", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.setdefault("NO_COLOR", "1")
    env.update(extra or {})
    return env


def run(argv: list, *, timeout: float, env: dict | None = None, cwd: Path | None = None,
        stdout_to_null: bool = False) -> Measured:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory(prefix="extendpipe-bench-rusage-") as folder:
        usage_path = Path(folder) / "usage.json"
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-S", str(LAUNCHER), str(usage_path), *map(str, argv)],
                                stdout=subprocess.DEVNULL if stdout_to_null else out, stderr=err,
                                stdin=subprocess.DEVNULL, env=env or child_env(), cwd=str(cwd or REPO),
                                start_new_session=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        try:
            usage = json.loads(usage_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # killed before the command ended
            usage = {"wall": wall, "exit_code": proc.returncode, "user": 0.0, "system": 0.0, "maxrss_kb": 0.0}
        out.seek(0)
        err.seek(0)
        return Measured(list(argv), usage["exit_code"], usage["wall"], usage["user"] + usage["system"],
                        usage["user"], usage["system"], usage["maxrss_kb"] / 1024,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        killed.is_set())


def self_cpu() -> float:
    """CPU seconds this process (the emulator's side) has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def python() -> str:
    return sys.executable
