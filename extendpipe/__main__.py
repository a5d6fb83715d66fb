"""The `extendpipe` command and `python -m extendpipe`: check the installation, then run the CLI.

This module imports nothing outside the standard library before the check, so a missing
dependency is one clear line instead of a traceback. It also owns the signals for the life of the
process: Ctrl-C and SIGTERM exit 130 without a traceback at any moment, including the imports
before the CLI's own handling is in place (about 70 ms) and the process's last moments after it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys

REQUIRED = {"click": "click", "yaml": "pyyaml", "jsonschema": "jsonschema", "urllib3": "urllib3", "pypdf": "pypdf"}
EXIT_INTERRUPTED = 130  # errors.EXIT_INTERRUPTED, not imported: this module runs before any of extendpipe's
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def missing_dependencies() -> list[str]:
    return [package for module, package in REQUIRED.items() if importlib.util.find_spec(module) is None]


def _exit_interrupted(signum=None, frame=None) -> None:
    """Exit 130 at once, as an interrupt does everywhere else (one line, no traceback)."""
    try:
        os.write(2, b"interrupted\n")  # not sys.stderr: the signal may have come in the middle of a write to it
    except OSError:
        pass
    os._exit(EXIT_INTERRUPTED)


def _as_ctrl_c(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM acts as Ctrl-C (README): the CLI stops and reports, exit 130


def _on_signals(handlers: dict) -> dict:
    """Install these handlers; the ones they replace. A signal ignored by whoever started the process
    (SIGINT for a background job of a script) stays ignored, as Python itself leaves it."""
    previous = {}
    for sig, handler in handlers.items():
        if signal.getsignal(sig) != signal.SIG_IGN:
            previous[sig] = signal.signal(sig, signal.SIG_DFL if handler is None else handler)
    return previous


def _quiet() -> dict:
    return dict.fromkeys(SIGNALS, _exit_interrupted)


def main() -> None:
    previous = _on_signals(_quiet())  # until the CLI can handle them
    missing = missing_dependencies()
    if missing:
        sys.stderr.write(f"extendpipe: missing dependencies: {', '.join(missing)} (hint: install extendpipe "
                         f"with pip, e.g. `pip install .` in its folder, or `pip install {' '.join(missing)}`)\n")
        _on_signals(previous)
        sys.exit(2)
    from extendpipe.cli import main as cli_main

    # From here, Ctrl-C and SIGTERM raise KeyboardInterrupt, which the CLI turns into its report and 130
    # (apply and serve install their own handling on top, and put these back).
    _on_signals({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _as_ctrl_c})
    try:
        cli_main()
    except KeyboardInterrupt:  # in the instants before or after the CLI's handler
        _exit_interrupted()
    finally:
        _on_signals(_quiet())  # the last moments: threads joined, streams flushed


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
