"""Pieces the CLI modules share: target options, the embedded emulator, logging, durations.

Only the CLI modules import this one.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from extendpipe.durations import parse_duration
from extendpipe.output import echo_err
from extendpipe.target import EMBEDDED, Target, resolve_target

DEFAULT_STATE_DIR = ".extendpipe"


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()


def setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose >= 1 else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("extendpipe")
    root.handlers[:] = [handler]
    root.setLevel(level)


def target_options(fn):
    options = [
        click.option("--base-url", help="API base URL (default https://api.extend.ai; env EXTEND_BASE_URL)."),
        click.option("--api-key-file", type=click.Path(dir_okay=False),
                     help="Read the API key from this file instead of EXTEND_API_KEY."),
        click.option("--api-version", help="x-extend-api-version header (default 2025-04-21)."),
        click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA bundle for TLS."),
        click.option("--connect-timeout", type=DURATION, default="10s", show_default=True),
        click.option("--read-timeout", type=DURATION, default="60s", show_default=True),
        click.option("--max-retry-wait", type=DURATION, default="60s", show_default=True,
                     help="Longest Retry-After honoured; a longer one fails the call."),
        click.option("-v", "--verbose", count=True, help="Log requests (the key is never logged)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@contextmanager
def connected(target: Target, state_dir: Path):
    """Yield a usable target: starts the embedded emulator when no key is configured."""
    if target.kind != EMBEDDED:
        echo_err(f"Using the Extend API at {target.base_url} (API version {target.api_version})")
        yield target
        return
    from extendpipe.emulator import Emulator

    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    emulator = Emulator(db_path=state_dir / "emulator.sqlite3", api_keys={key})
    url = emulator.start()
    echo_err(f"Using the embedded Extend emulator at {url} (no EXTEND_API_KEY set; "
             f"state in {shown(state_dir)})")
    try:
        yield Target(EMBEDDED, url, key, target.api_version)
    finally:
        emulator.stop()


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def target_from_options(opts: dict) -> Target:
    return resolve_target(base_url=opts.get("base_url"), api_key_file=opts.get("api_key_file"),
                          api_version=opts.get("api_version"))


@contextmanager
def interrupt_handling():
    """SIGTERM acts like Ctrl-C; a second Ctrl-C (or SIGTERM) exits at once with 130.

    The first interrupt raises KeyboardInterrupt in the main thread, so apply stops submitting and
    writes its report; the ledger is append-only with fsync'd lines, so exiting at any instant
    leaves it consistent.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hits = []

    def handler(signum, frame):
        hits.append(signum)
        if len(hits) > 1:
            sys.stderr.write("interrupted again: exiting now\n")
            sys.stderr.flush()
            os._exit(130)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
