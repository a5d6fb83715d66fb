from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from extendpipe.errors import InputError
from extendpipe.statelock import StateLock


def test_a_second_holder_is_refused_with_the_holder_named(tmp_path):
    with StateLock(tmp_path):
        with pytest.raises(InputError, match=rf"process {os.getpid()} on .*another --state-dir"):
            StateLock(tmp_path).acquire()
    StateLock(tmp_path).acquire()  # released: free again


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, caplog):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    (tmp_path / "apply.lock").write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": 0}))
    lock = StateLock(tmp_path)
    lock.acquire()
    assert "no longer running" in caplog.text
    assert json.loads((tmp_path / "apply.lock").read_text())["pid"] == os.getpid()
    lock.release()
    assert not (tmp_path / "apply.lock").exists()
