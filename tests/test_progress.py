"""Progress output: exact text on a fake terminal and a fake pipe, then a real pty and a real pipe."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from extendpipe.progress import Progress, clock_text

ROOT = Path(__file__).resolve().parent.parent
XTERM = {"TERM": "xterm-256color"}


class FakeStream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(tty: bool, environ=XTERM, **kwargs):
    stream, clock = FakeStream(tty), FakeClock()
    kwargs.setdefault("width", 200)
    return stream, clock, Progress(stream, label="invoices", clock=clock, environ=environ, **kwargs)


def play(progress: Progress, clock: FakeClock) -> None:
    """Two runs: a.pdf goes PENDING, PROCESSING, PROCESSED; b.pdf FAILED."""
    progress.start(2)
    clock.now = 0.05
    progress.run_changed("PENDING", "pdf", "a.pdf", "wr_a")       # throttled on a terminal: < 0.1 s
    clock.now = 0.5
    progress.run_changed("PROCESSING", "pdf", "a.pdf", "wr_a")
    clock.now = 2.0
    progress.run_changed("PROCESSED", "pdf", "a.pdf", "wr_a")
    clock.now = 4.0
    progress.run_changed("FAILED", "pdf", "b.pdf", "wr_b", "CORRUPT_FILE: bad page")
    progress.finish()


def test_terminal_gets_one_live_line_with_colour():
    stream, clock, progress = make(True)
    play(progress, clock)
    green, red, off = "\x1b[32m", "\x1b[31m", "\x1b[0m"
    assert stream.getvalue() == (
        "\rinvoices: 0/2 done, 0.0/s, ETA ?\x1b[K"
        "\rinvoices: 0/2 done, PROCESSING 1, 0.0/s, ETA ?\x1b[K"
        f"\rinvoices: 1/2 done, {green}PROCESSED 1{off}, 0.5/s, ETA 0:02\x1b[K"
        f"\r\x1b[K  {red}FAILED{off}       pdf  b.pdf  (wr_b)  CORRUPT_FILE: bad page\n"
        f"\rinvoices: 2/2 done, {green}PROCESSED 1{off}, {red}FAILED 1{off}, 0.5/s\x1b[K"
        f"\rinvoices: 2/2 done, {green}PROCESSED 1{off}, {red}FAILED 1{off}, 0.5/s\x1b[K\n")


def test_no_color_keeps_the_live_line_but_drops_colour():
    stream, clock, progress = make(True, {"TERM": "xterm", "NO_COLOR": "1"})
    play(progress, clock)
    out = stream.getvalue()
    assert "\x1b[K" in out and "\x1b[3" not in out
    assert out.endswith("\rinvoices: 2/2 done, PROCESSED 1, FAILED 1, 0.5/s\x1b[K\n")


def test_an_empty_no_color_does_not_count():
    stream, clock, progress = make(True, {"TERM": "xterm", "NO_COLOR": ""})
    play(progress, clock)
    assert "\x1b[32m" in stream.getvalue()


def test_dumb_terminal_gets_carriage_returns_and_padding_but_no_escape():
    stream, clock, progress = make(True, {"TERM": "dumb"})
    play(progress, clock)
    assert stream.getvalue() == (
        "\rinvoices: 0/2 done, 0.0/s, ETA ?"
        "\rinvoices: 0/2 done, PROCESSING 1, 0.0/s, ETA ?"
        "\rinvoices: 1/2 done, PROCESSED 1, 0.5/s, ETA 0:02"
        "\r  FAILED       pdf  b.pdf  (wr_b)  CORRUPT_FILE: bad page\n"
        "\rinvoices: 2/2 done, PROCESSED 1, FAILED 1, 0.5/s"
        "\rinvoices: 2/2 done, PROCESSED 1, FAILED 1, 0.5/s\n")


def test_dumb_terminal_pads_over_a_longer_line():
    stream, clock, progress = make(True, {"TERM": "dumb"})
    progress.start(1)
    progress.run_changed("PENDING", "pdf", "a.pdf")
    clock.now = 1.0
    progress.update({"PROCESSING": 1})
    clock.now = 2.0
    progress.update({})
    assert stream.getvalue().endswith("\rinvoices: 0/1 done, 0.0/s, ETA ?" + " " * len(", PROCESSING 1"))


def test_pipe_gets_one_line_per_final_run_and_nothing_else():
    stream, clock, progress = make(False)
    play(progress, clock)
    assert stream.getvalue() == ("  PROCESSED    pdf  a.pdf  (wr_a)\n"
                                 "  FAILED       pdf  b.pdf  (wr_b)  CORRUPT_FILE: bad page\n")


def test_pipe_ignores_colour_settings_entirely():
    stream, clock, progress = make(False, {"TERM": "xterm"}, color=True)
    play(progress, clock)
    assert "\x1b" not in stream.getvalue() and "\r" not in stream.getvalue()


def test_quiet_prints_only_runs_that_did_not_succeed():
    for tty in (False, True):
        stream, clock, progress = make(tty, {"TERM": "xterm", "NO_COLOR": "1"}, mode="quiet")
        play(progress, clock)
        assert stream.getvalue() == "  FAILED       pdf  b.pdf  (wr_b)  CORRUPT_FILE: bad page\n"


def test_verbose_prints_every_change():
    stream, clock, progress = make(False, mode="verbose")
    play(progress, clock)
    assert stream.getvalue() == ("  PENDING      pdf  a.pdf  (wr_a)\n"
                                 "  PROCESSING   pdf  a.pdf  (wr_a)\n"
                                 "  PROCESSED    pdf  a.pdf  (wr_a)\n"
                                 "  FAILED       pdf  b.pdf  (wr_b)  CORRUPT_FILE: bad page\n")


def test_pipe_prints_a_summary_every_n_seconds_on_a_long_run():
    stream, clock, progress = make(False, summary_every=30)
    progress.start(100)
    for second in range(0, 100, 5):  # the caller reports counts once per poll sweep
        clock.now = float(second)
        progress.update({"PROCESSED": second // 2, "PROCESSING": 10, "PENDING": 90 - second // 2})
    progress.finish()
    assert stream.getvalue() == (
        "invoices: 15/100 done, PROCESSED 15, PROCESSING 10, PENDING 75, 0.5/s, ETA 2:50\n"
        "invoices: 30/100 done, PROCESSED 30, PROCESSING 10, PENDING 60, 0.5/s, ETA 2:20\n"
        "invoices: 45/100 done, PROCESSED 45, PROCESSING 10, PENDING 45, 0.5/s, ETA 1:50\n")


def test_terminal_redraws_at_most_ten_times_a_second():
    stream, clock, progress = make(True, {"TERM": "xterm", "NO_COLOR": "1"})
    progress.start(1000)
    for i in range(1000):  # 1000 events in one second
        clock.now = i / 1000
        progress.run_changed("PROCESSED", "s", f"{i}.pdf")
    progress.finish()
    assert stream.getvalue().count("\r") == 11  # start at 0.0, redraws at 0.1 ... 0.9, finish
    assert stream.getvalue().endswith("\rinvoices: 1000/1000 done, PROCESSED 1000, 1001.0/s\x1b[K\n")


def test_tick_redraws_a_stale_line():
    stream, clock, progress = make(True, {"TERM": "xterm", "NO_COLOR": "1"})
    progress.start(2)
    clock.now = 0.01
    progress.update({"PROCESSED": 1})
    assert "PROCESSED" not in stream.getvalue()
    clock.now = 0.2
    progress.tick()
    assert stream.getvalue().endswith("\rinvoices: 1/2 done, PROCESSED 1, 5.0/s, ETA 0:00\x1b[K")


def test_live_line_is_cut_to_the_terminal_width():
    stream, clock, progress = make(True, width=30)
    progress.start(5)
    assert stream.getvalue() == "\rinvoices: 0/5 done, 0.0/s, ET\x1b[K"  # 29 columns: never the last one


def test_a_run_that_failed_before_getting_a_status_is_an_error():
    stream, clock, progress = make(False)
    progress.start(1)
    progress.run_changed(None, "txt", "c.txt", None, "FILE_TYPE_NOT_SUPPORTED")
    progress.finish()
    assert stream.getvalue() == "  ERROR        txt  c.txt  FILE_TYPE_NOT_SUPPORTED\n"
    assert progress.done() == 1


def test_needs_review_allowed_is_not_printed_as_a_failure_in_quiet_mode():
    stream, clock, progress = make(False, mode="quiet")
    progress.start(1)
    progress.run_changed("NEEDS_REVIEW", "pdf", "a.pdf", "wr_a", success=True)
    assert stream.getvalue() == ""


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of quiet, normal, verbose"):
        Progress(io.StringIO(), mode="loud")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (7.4, "0:07"), (754, "12:34"), (3723, "1:02:03")])
def test_clock_text(seconds, text):
    assert clock_text(seconds) == text


# A real terminal and a real pipe ------------------------------------------------------------------
SCRIPT = """
import sys
from extendpipe.progress import Progress
now = [0.0]
progress = Progress(sys.stdout, label="demo", clock=lambda: now[0])
progress.start(2)
now[0] = 1.0
progress.run_changed("PROCESSED", "s", "a.pdf", "wr_a")
now[0] = 2.0
progress.run_changed("FAILED", "s", "b.pdf", "wr_b", "bad")
progress.finish()
"""


def child_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]), **extra)
    return env


def run_under_pty(env: dict) -> str:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    try:
        while select.select([master], [], [], 30)[0]:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        stderr = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0, stderr.decode()
    return b"".join(chunks).decode()


def test_real_terminal_updates_the_line_in_place():
    out = run_under_pty(child_env(TERM="xterm"))
    assert re.search(r"\r(?!\n)", out), out  # a carriage return that is not the tty's \r\n
    assert "\rdemo: 1/2 done, \x1b[32mPROCESSED 1\x1b[0m, 1.0/s, ETA 0:01\x1b[K" in out
    assert "\r\x1b[K  \x1b[31mFAILED\x1b[0m       s  b.pdf  (wr_b)  bad\r\n" in out  # the tty turns \n into \r\n


def test_real_terminal_with_no_color_and_dumb_term():
    out = run_under_pty(child_env(TERM="xterm", NO_COLOR="1"))
    assert "\x1b[K" in out and "\x1b[3" not in out
    dumb = run_under_pty(child_env(TERM="dumb"))
    assert re.search(r"\r(?!\n)", dumb) and "\x1b" not in dumb


def test_real_pipe_gets_plain_lines():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], stdin=subprocess.DEVNULL, capture_output=True,
                          env=child_env(TERM="xterm"), timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "\r" not in out and "\x1b" not in out
    assert out == "  PROCESSED    s  a.pdf  (wr_a)\n  FAILED       s  b.pdf  (wr_b)  bad\n"


def test_events_from_several_threads_keep_lines_whole():
    import threading

    stream, clock, progress = make(False)
    progress.start(800)

    def worker(n: int) -> None:
        for i in range(100):
            progress.run_changed("PROCESSED", f"step{n}", f"{i}.pdf", f"wr_{n}_{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 800
    assert all(re.fullmatch(r"  PROCESSED    step\d  \d+\.pdf  \(wr_\d_\d+\)", line) for line in lines)
    assert progress.done() == 800
