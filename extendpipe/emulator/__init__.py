"""Embedded emulator of the Extend workflow-run API (2025-04-21).

    from extendpipe.emulator import Emulator
    with Emulator(tmp_path / "emu.sqlite3", api_keys={"k"}) as emu:
        base_url = emu.url

See app.py for the public handle and faults.py for the fault-injection control API.
"""

from .app import Emulator

__all__ = ["Emulator"]
