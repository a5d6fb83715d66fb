"""The `extendpipe` command and `python -m extendpipe`: check the installation, then run the CLI.

This module imports nothing outside the standard library before the check, so a missing
dependency is one clear line instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import sys

REQUIRED = {"click": "click", "yaml": "pyyaml", "jsonschema": "jsonschema", "urllib3": "urllib3", "pypdf": "pypdf"}


def missing_dependencies() -> list[str]:
    return [package for module, package in REQUIRED.items() if importlib.util.find_spec(module) is None]


def main() -> None:
    missing = missing_dependencies()
    if missing:
        sys.stderr.write(f"extendpipe: missing dependencies: {', '.join(missing)} (hint: install extendpipe "
                         f"with pip, e.g. `pip install .` in its folder, or `pip install {' '.join(missing)}`)\n")
        sys.exit(2)
    from extendpipe.cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
