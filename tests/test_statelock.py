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
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "apply.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(),
                                                          "since": 0, "command": "apply"}))
        with pytest.raises(InputError, match=rf"process {holder.pid} on .*wait for it to finish"):
            StateLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with StateLock(tmp_path):  # its holder is gone: taken over
        assert json.loads((tmp_path / "apply.lock").read_text())["pid"] == os.getpid()
    assert not (tmp_path / "apply.lock").exists()


@pytest.mark.parametrize("content", ["", "[]", "5", '{"pid": "abc"}', '{"pid": null}', '{"pid": 99999999999}',
                                     '{"pid": -1}', '{"since": "yesterday"}'])
def test_a_nonsensical_lock_is_taken_over(tmp_path, content):
    (tmp_path / "apply.lock").write_text(content)
    with StateLock(tmp_path):
        assert json.loads((tmp_path / "apply.lock").read_text())["pid"] == os.getpid()


def test_an_unusable_state_folder_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot use this state folder"):
        StateLock(tmp_path / "file" / "state").acquire()


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
