"""First-come, first-served turns for SQLite's write lock among the threads of this process.

SQLite makes a blocked writer poll with sleeps of up to 100 ms and serves writers in no order; under
many concurrent clients some writers waited close to the 30 s busy timeout (store.Store._tx). Here
writers wait in a queue instead and the lock is handed from one to the next; "urgent" writers (the
engine's threads) go before the others.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriterQueue:
    """A lock handed to waiters in arrival order (threading.Lock wakes an arbitrary waiter); urgent
    waiters (the engine's workers, see Store.urgent) go before the others."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()
        self._urgent: deque[threading.Lock] = deque()

    @contextmanager
    def turn(self, urgent: bool) -> Iterator[None]:
        """Wait for this caller's turn, hold the lock for the block, then hand it to the next waiter."""
        with self._guard:
            baton = None
            if self._held:
                baton = threading.Lock()
                baton.acquire()
                (self._urgent if urgent else self._waiting).append(baton)
            self._held = True
        if baton is not None:
            try:
                baton.acquire()  # released by the holder before us, which hands the lock over
            except BaseException:  # interrupted while waiting: leave the queue, or pass on our turn
                with self._guard:
                    queue = self._urgent if baton in self._urgent else self._waiting
                    if baton in queue:
                        queue.remove(baton)
                        raise
                self._hand_over()
                raise
        try:
            yield
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        with self._guard:
            if self._urgent or self._waiting:
                (self._urgent or self._waiting).popleft().release()
            else:
                self._held = False


_WRITER_QUEUES: dict[str, WriterQueue] = {}
_WRITER_QUEUES_GUARD = threading.Lock()


def writer_queue(path: str | Path) -> WriterQueue:
    """The queue of a store file, shared by every Store on that file in this process."""
    with _WRITER_QUEUES_GUARD:
        return _WRITER_QUEUES.setdefault(os.path.realpath(path), WriterQueue())
