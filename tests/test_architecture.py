"""Dependencies point one way (STYLE.md): walk every module's imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "extendpipe"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n == "extendpipe" or n.startswith("extendpipe.")}


MODULES = {module_name(p): imported(p) for p in sorted(PACKAGE.rglob("*.py"))}
# The CLI is `extendpipe.cli` and its `cli_*` companions; only they (and __main__) may import it.
CLI_MODULES = {m for m in MODULES if m == "extendpipe.cli" or m.startswith("extendpipe.cli_")} | {"extendpipe.__main__"}


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_the_cli(module):
    if module in CLI_MODULES:
        return
    bad = {n for n in MODULES[module] if any(under(n, c) for c in CLI_MODULES)}
    assert not bad, f"{module} imports the CLI: {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if under(m, "extendpipe.emulator")))
def test_the_emulator_imports_only_constants(module):
    bad = {n for n in MODULES[module]
           if not (under(n, "extendpipe.emulator") or under(n, "extendpipe.constants"))}
    assert not bad, f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES
                                          if m not in CLI_MODULES and not under(m, "extendpipe.emulator")))
def test_the_core_never_imports_the_emulator(module):
    bad = {n for n in MODULES[module] if under(n, "extendpipe.emulator")}
    assert not bad, f"{module} imports the emulator: {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if under(m, "extendpipe.client")))
def test_the_client_sits_below_the_core(module):
    allowed = ("extendpipe.client", "extendpipe.constants", "extendpipe.errors", "extendpipe.__version__")
    bad = {n for n in MODULES[module] if n != "extendpipe" and not any(under(n, a) for a in allowed)}
    assert not bad, f"{module} imports {bad}"
