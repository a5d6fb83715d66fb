"""Progress of an apply on a text stream: a live line on a terminal, plain lines in a CI log.

The caller feeds events and this module writes; there is no thread. `start(total)`, then either
`run_changed(status, step, path, run_id, reason)` per run change or `update(counts_by_status)` per
poll cycle, `tick()` when nothing changed (it redraws or prints a periodic summary if due), `finish()`.

- On a terminal: one live line rewritten in place (`\\r` then clear-to-end `ESC[K`) with the counts
  per status, the rate of final runs per second and an ETA, redrawn at most every `interval` seconds
  (10 Hz). Runs that end badly are printed above it and stay. Colour follows https://no-color.org
  (NO_COLOR set and not empty: none) and `TERM=dumb` (no escape at all: the line is padded instead).
- Anywhere else (a pipe, a CI log): never `\\r`, never an escape. One line per run that reaches a
  final status, and a summary line every `summary_every` seconds while runs are in flight.
- `mode`: "quiet" prints only runs that did not succeed; "verbose" prints every change.
The clock is injected, so the output is a pure function of the events and the clock's answers.
Events may come from several threads (the executor's pool calls back from its workers): a lock
keeps each event's output whole.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Callable, TextIO

from extendpipe.constants import FINAL_STATUSES, PROCESSED
from extendpipe.output import printable

ERROR = "ERROR"  # a run that failed before the server gave it a status
DONE_STATUSES = FINAL_STATUSES | {ERROR}
ORDER = ("PROCESSED", "NEEDS_REVIEW", "REJECTED", "FAILED", "CANCELLED", ERROR, "CANCELLING", "PROCESSING",
         "PENDING")
COLORS = {"PROCESSED": "32", "NEEDS_REVIEW": "33", "REJECTED": "31", "FAILED": "31", "CANCELLED": "31", ERROR: "31"}
CLEAR_TO_END = "\x1b[K"
MODES = ("quiet", "normal", "verbose")


def color_allowed(environ: Mapping[str, str]) -> bool:
    return not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


def paint(text: str, status: str, color: bool) -> str:
    code = COLORS.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def clock_text(seconds: float) -> str:
    """0:07, 12:34, 1:02:03."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def run_line(status: str | None, step: str, path: str, run_id: str | None = None, reason: str | None = None,
             color: bool = False) -> str:
    """`  STATUS       step  path  (run id)  reason`, as extendpipe.output prints it."""
    label = printable(status or ERROR)
    text = f"  {paint(label, label, color)}{' ' * max(1, 13 - len(label))}{printable(step)}  {printable(path)}"
    if run_id:
        text += f"  ({printable(run_id)})"
    return f"{text}  {printable(reason)}" if reason else text


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class Progress:
    """Writes the progress of `total` runs to `stream`; see the module's docstring."""

    def __init__(self, stream: TextIO, *, label: str = "", mode: str = "normal",
                 clock: Callable[[], float] = time.monotonic, environ: Mapping[str, str] | None = None,
                 interval: float = 0.1, summary_every: float = 30.0, color: bool | None = None,
                 tty: bool | None = None, width: int | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        environ = os.environ if environ is None else environ
        self.stream, self.label, self.mode, self.clock = stream, label, mode, clock
        self.interval, self.summary_every = interval, summary_every
        self.tty = _is_tty(stream) if tty is None else tty
        self.ansi = self.tty and environ.get("TERM") != "dumb"
        self.color = self.ansi and (color_allowed(environ) if color is None else color)
        self.live = self.tty and mode != "quiet"
        self.width = width or (_columns(stream) if self.tty else 80)
        self.total, self.counts = 0, {}
        self._states: dict = {}
        self._started = self._last_draw = self._last_summary = None
        self._shown = 0  # visible length of the live line on screen; 0: none
        self._lock = threading.RLock()

    # events --------------------------------------------------------------------------------------
    def start(self, total: int) -> None:
        with self._lock:
            self.total = total
            self._started = self._last_summary = self.clock()
            if self.live:
                self._draw()

    def update(self, counts_by_state: Mapping[str, int]) -> None:
        """Replace the counts (status -> runs), e.g. once per poll sweep."""
        with self._lock:
            self.counts = {k: v for k, v in counts_by_state.items() if v}
            self.tick()

    def run_changed(self, status: str | None, step: str, path: str, run_id: str | None = None,
                    reason: str | None = None, *, final: bool | None = None, success: bool | None = None) -> None:
        """One run's new status (None: it failed before getting one). `final` and `success` default to
        what the status says (final statuses; PROCESSED)."""
        label = status or ERROR
        final = label in DONE_STATUSES if final is None else final
        success = status == PROCESSED if success is None else success
        with self._lock:
            previous = self._states.get((step, path))
            self._states[(step, path)] = label
            if previous != label:  # counted incrementally: O(1) per event however many runs there are
                if previous is not None:
                    self.counts[previous] -= 1
                    if not self.counts[previous]:
                        del self.counts[previous]
                self.counts[label] = self.counts.get(label, 0) + 1
            if self.mode == "verbose" or (final and not success) or (final and not self.live and self.mode == "normal"):
                self._print(run_line(status, step, path, run_id, reason, self.color))
            self.tick()

    def tick(self) -> None:
        """Redraw the live line, or print the periodic summary, when it is due."""
        with self._lock:
            now = self.clock()
            if self.live:
                if self._last_draw is None or now - self._last_draw >= self.interval:
                    self._draw()
            elif (self.mode != "quiet" and self.summary_every and self._last_summary is not None
                  and now - self._last_summary >= self.summary_every):
                self._last_summary = now
                self._write(self.status_text(now) + "\n")

    def finish(self) -> None:
        with self._lock:
            if self.live:
                self._draw()
                self._write("\n")
                self._shown = 0

    # text ----------------------------------------------------------------------------------------
    def done(self) -> int:
        return sum(n for status, n in self.counts.items() if status in DONE_STATUSES)

    def segments(self, now: float) -> list[tuple[str, str]]:
        """(text, status) parts of the status line at clock time `now`, in a fixed order."""
        done = self.done()
        known = [s for s in ORDER if self.counts.get(s)] + sorted(s for s in self.counts if s not in ORDER)
        parts = [((f"{self.label}: " if self.label else "") + f"{done}/{self.total} done", "")]
        parts += [(f"{status} {self.counts[status]}", status) for status in known]
        elapsed = 0.0 if self._started is None else max(0.0, now - self._started)
        rate = done / elapsed if elapsed > 0 else 0.0
        parts.append((f"{rate:.1f}/s", ""))
        if done < self.total:
            parts.append((f"ETA {clock_text((self.total - done) / rate)}" if rate > 0 else "ETA ?", ""))
        return parts

    def status_text(self, now: float, color: bool = False) -> str:
        return ", ".join(paint(text, status, color) for text, status in self.segments(now))

    # output --------------------------------------------------------------------------------------
    def _draw(self) -> None:
        self._last_draw = now = self.clock()
        plain = self.status_text(now)
        limit = max(10, self.width - 1)
        text = plain[:limit] if len(plain) > limit else self.status_text(now, self.color)
        visible = min(len(plain), limit)
        tail = CLEAR_TO_END if self.ansi else " " * max(0, self._shown - visible)
        self._write(f"\r{text}{tail}")
        self._shown = max(visible, 1)

    def _print(self, line: str) -> None:
        if self._shown:
            clear = CLEAR_TO_END if self.ansi else ""
            pad = "" if self.ansi else " " * max(0, self._shown - len(line))  # TERM=dumb: never coloured
            self._write(f"\r{clear}{line}{pad}\n")
            self._draw()
        else:
            self._write(line + "\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            flush = getattr(self.stream, "flush", None)
            if flush:
                flush()
        except BrokenPipeError:
            raise
        except OSError:  # a stderr that cannot be written (a full disk): progress is for people, drop it
            pass
