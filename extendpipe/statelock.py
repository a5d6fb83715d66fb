"""One apply per state folder: a lock file naming its holder, taken over when the holder is dead."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

from extendpipe.errors import InputError

log = logging.getLogger("extendpipe.lock")
LOCK_NAME = "apply.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class StateLock:
    def __init__(self, state_dir: Path, command: str = "apply"):
        self.path = Path(state_dir) / LOCK_NAME
        self.command = command
        self._held = False

    def _holder(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "command": self.command}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is None:
                    # Torn by a crash between create and write, or unreadable: stale.
                    log.warning("%s: unreadable lock file, taking it over", self.path)
                elif holder.get("host") == me["host"] and not _alive(int(holder.get("pid", -1))):
                    log.warning("%s: taking over the lock left by process %s, which is no longer running",
                                self.path, holder.get("pid"))
                else:
                    age = time.time() - float(holder.get("since", time.time()))
                    raise InputError(
                        f"{self.path}: another {holder.get('command', 'apply')} holds this state folder "
                        f"(process {holder.get('pid')} on {holder.get('host')}, for {age:.0f} s) "
                        "(hint: wait for it, or use another --state-dir)") from None
                try:
                    os.unlink(self.path)
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            self._held = True
            return
        raise InputError(f"{self.path}: could not take the state folder's lock (hint: remove the file if no "
                         "extendpipe is running)")

    def release(self) -> None:
        if self._held:
            holder = self._holder()
            if holder and holder.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self._held = False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
