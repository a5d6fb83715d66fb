"""One apply per state folder: a lock file naming its holder, taken over when the holder is dead."""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import time
from pathlib import Path

from extendpipe.errors import InputError

log = logging.getLogger("extendpipe.lock")
LOCK_NAME = "apply.lock"


def _alive(pid) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or pid == os.getpid():
        return False  # not a process id, or ours: a previous life of this pid (containers reuse them)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
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
            holder = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return holder if isinstance(holder, dict) else None

    def acquire(self) -> None:
        """Take the lock. The file appears with its content (written aside, then hard-linked into
        place), so a reader never sees an empty lock; one that is unreadable is therefore stale."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "command": self.command}
            fd, tmp = tempfile.mkstemp(prefix=".apply.lock.", dir=self.path.parent)
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
        except OSError as exc:
            raise InputError(f"{self.path.parent}: cannot use this state folder: {exc.strerror or exc} "
                             "(hint: pass --state-dir with a writable folder)") from None
        try:
            for _ in range(3):
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    self._refuse_or_clear(me)
                    continue
                self._held = True
                return
        finally:
            os.unlink(tmp)
        raise InputError(f"{self.path}: could not take the state folder's lock (hint: remove the file if no "
                         "extendpipe is running)")

    def _refuse_or_clear(self, me: dict) -> None:
        holder = self._holder()
        pid = holder.get("pid") if holder else None
        if not (isinstance(pid, int) and pid > 0 and isinstance(holder.get("host"), str)):
            log.warning("%s: unreadable lock file, taking it over", self.path)
        elif holder.get("host") == me["host"] and not _alive(holder["pid"]):
            log.warning("%s: taking over the lock left by process %s, which is no longer running",
                        self.path, holder.get("pid"))
        else:
            since = holder.get("since")
            age = time.time() - since if isinstance(since, (int, float)) else 0.0
            raise InputError(
                f"{self.path}: another {holder.get('command', 'apply')} holds this state folder "
                f"(process {holder.get('pid')} on {holder.get('host')}, for {age:.0f} s) "
                "(hint: wait for it to finish; two applies of one manifest at once would pay twice)") from None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

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
