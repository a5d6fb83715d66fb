"""Embedded emulator of the Extend workflow-run API (2025-04-21); imports only extendpipe.constants.

    from extendpipe.emulator import Emulator
    with Emulator(tmp_path / "emu.sqlite3", api_keys={"k"}) as emu:    # or emu.start() ... emu.stop()
        emu.url                      # http://127.0.0.1:PORT
        emu.requests                 # thread-safe list-like log: .method .path .query .json .headers .status
        emu.requests_matching("POST", "/workflow_runs")
        emu.wait_idle(10)            # True once nothing is PENDING / PROCESSING / CANCELLING
        emu.pause(); emu.resume()    # hold new runs in PENDING, then let workers take them again
        emu.faults.add(...)          # fault injection, see faults.py (also over HTTP under /_emulator/)
        emu.set_rate_limit("payg")   # rate limits, see ratelimit.py

Emulator(db_path, *, host="127.0.0.1", port=0, api_keys=None, workers=2, processing_delay=0.0,
         strict=False, workflows_file=None, rate_limit=None)

Modules: app (the handle), server (HTTP, request log), routes (route table), multipart, service (backend),
listing + pagination (GET /workflow_runs, page tokens, snapshots), store + sqlschema + writers (SQLite),
engine (workers), workflows (resolution, generic invoice workflow), definitions + wfschema (YAML workflow
files), parsing (file types, text), extract + rules (invoice fields), faults, ratelimit, render (JSON shapes),
ids, errors.
"""

from .app import Emulator

__all__ = ["Emulator"]
