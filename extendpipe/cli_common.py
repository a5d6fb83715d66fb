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

from extendpipe.durations import parse_duration, range_problem
from extendpipe.errors import ApiError, InputError, StateError
from extendpipe.output import echo_err
from extendpipe.target import EMBEDDED, Target, resolve_target


class Duration(click.ParamType):
    """Every duration option (timeouts, waits, intervals, delays): one type, one range (durations.py)."""

    name = "duration"

    def __init__(self, allow_zero: bool = False):
        self.allow_zero = allow_zero

    def convert(self, value, param, ctx):
        if isinstance(value, float) and range_problem(value, self.allow_zero) is None:
            return value
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if seconds == 0 and not self.allow_zero:
            self.fail(f"{value!r} is zero: give a positive duration, e.g. 500ms or 10s", param, ctx)
        problem = range_problem(seconds, self.allow_zero)
        if problem:
            self.fail(f"{value!r} {problem}", param, ctx)
        return seconds


DURATION = Duration()
DURATION_OR_ZERO = Duration(allow_zero=True)


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
        click.option("--max-retry-wait", type=DURATION_OR_ZERO, default="60s", show_default=True,
                     help="Longest Retry-After honoured; a longer one fails the call."),
        click.option("-v", "--verbose", count=True, help="Log requests (the key is never logged)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def store_error(db_path: Path, exc: BaseException, option: str = "--state-dir") -> InputError:
    """The error for an emulator store that cannot be used: unreadable (not a database), or that
    cannot be written (a full disk, a read-only folder: a StateError naming the folder)."""
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return InputError(f"{db_path}: the emulator's store cannot be read: {exc} (hint: move it away; a "
                          "new one is made, and the ledger's runs are then submitted again)")
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    folder = "--state-dir with a folder" if option == "--state-dir" else f"{option} with a path"
    return StateError(f"{Path(db_path).parent}: the emulator's store {Path(db_path).name} cannot be written "
                      f"there: {why} (hint: free some space on its disk, or pass {folder} elsewhere)")


def open_emulator(db_path: Path, option: str = "--state-dir", **kwargs):
    """The emulator on a store, or a usage error naming the store when it cannot be used."""
    import sqlite3

    from extendpipe.emulator import Emulator

    try:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        return Emulator(db_path=db_path, **kwargs)
    except (ValueError, LookupError) as exc:  # a rate-limit plan or a workflows file it cannot use
        raise InputError(f"cannot start the emulator: {exc}") from None
    except (sqlite3.DatabaseError, OSError) as exc:
        raise store_error(db_path, exc, option) from None


def start_emulator(emulator, option: str = "--state-dir") -> str:
    """Start it; its first writes (on a full disk, say) fail as a usage error naming its store."""
    import sqlite3

    try:
        return emulator.start()
    except sqlite3.Error as exc:
        raise store_error(Path(emulator.db_path), exc, option) from None


@contextmanager
def connected(target: Target, state_dir: Path, quiet: bool = False):
    """Yield a usable target: starts the embedded emulator when no key is configured. Says which
    target is used, unless `quiet`.

    When the embedded emulator's store fails while in use (a full disk), its answers are 500s; the
    target's `failure()` then names the store, and an API error escaping the block becomes that."""
    if target.kind != EMBEDDED:
        if not quiet:
            echo_err(f"Using the Extend API at {target.base_url} (API version {target.api_version})")
        yield target
        return
    key = secrets.token_urlsafe(24)
    db_path = state_dir / "emulator.sqlite3"
    emulator = open_emulator(db_path, api_keys={key})
    url = start_emulator(emulator)

    def failure() -> InputError | None:
        return None if emulator.store_failure is None else store_error(db_path, emulator.store_failure)

    if not quiet:
        echo_err(f"Using the embedded Extend emulator at {url} (no EXTEND_API_KEY set; "
                 f"state in {shown(state_dir)})")
    try:
        yield Target(EMBEDDED, url, key, target.api_version, local_failure=failure)
    except ApiError:
        if failure() is None:
            raise
        raise failure() from None
    finally:
        emulator.stop()


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def key_file_secrets(opts: dict) -> tuple[str, ...]:
    """The key of `--api-key-file`, which no manifest value may hold (EXTEND_API_KEY's is known to the
    manifest loader already)."""
    from extendpipe.target import read_key_file

    return (read_key_file(opts["api_key_file"]),) if opts.get("api_key_file") else ()


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
