"""Planning at scale: many small files under one glob.

`extendpipe validate` and `extendpipe plan` run as child processes (plan against an emulator in this
process, through --base-url, with an empty state folder: every file is hashed and planned as
`submit`). Hashing throughput is compared with `sha256sum` over the same files in the same run,
alternating the two so both see the same warm page cache.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

from benchmarks import measure
from benchmarks.docs import write_manifest, write_small_files
from benchmarks.pipeline import emulator_folder
from benchmarks.scenario import KEY

GLOB = "files/**/*.txt"


def _hash_extendpipe(manifest: Path, work: Path, timeout: float) -> dict:
    measured = measure.run([measure.python(), "-m", "benchmarks.hashing", str(manifest)], timeout=timeout, cwd=work)
    if measured.returncode != 0:
        raise RuntimeError(f"benchmarks.hashing failed: {measured.stderr[-2000:]}")
    doc = json.loads(measured.stdout)
    doc["process_wall_seconds"] = measured.wall
    return doc


def _hash_sha256sum(listing: Path, work: Path, timeout: float) -> float:
    measured = measure.run(["xargs", "-0", "-a", str(listing), "sha256sum"], timeout=timeout, cwd=work,
                           stdout_to_null=True)
    if measured.returncode != 0:
        raise RuntimeError(f"sha256sum failed: {measured.stderr[-2000:]}")
    return measured.wall


def run(files: int, *, rounds: int = 3, timeout: float = 300.0) -> dict:
    work = Path(tempfile.mkdtemp(prefix="extendpipe-bench-plan-"))
    emu_dir = emulator_folder()
    try:
        size = write_small_files(work / "files", files)
        manifest = write_manifest(work / "plan.yaml", GLOB, name="planning")
        env = measure.child_env({"EXTEND_API_KEY": KEY})

        validate = measure.run([measure.python(), "-m", "extendpipe", "validate", str(manifest)],
                               timeout=timeout, env=env, cwd=work)
        from benchmarks.emulated import start_emulator

        emu = start_emulator(None, emu_dir / "plan.sqlite3")
        try:
            plan = measure.run([measure.python(), "-m", "extendpipe", "plan", str(manifest), "--base-url", emu.url,
                                "--state-dir", str(work / "state")], timeout=timeout, env=env, cwd=work,
                               stdout_to_null=True)
            plan_requests = len(emu.requests)
        finally:
            emu.stop()

        listing = work / "files.lst"
        paths = sorted(str(p) for p in (work / "files").rglob("*.txt"))
        listing.write_bytes(b"\0".join(p.encode() for p in paths))
        ours, theirs = [], []
        for _ in range(rounds):
            theirs.append(_hash_sha256sum(listing, work, timeout))
            ours.append(_hash_extendpipe(manifest, work, timeout))
        ours_seconds = statistics.median(d["hash_seconds"] for d in ours)
        theirs_seconds = statistics.median(theirs)
        mb = size / 1e6
        return {
            "files": files,
            "bytes": size,
            "glob": GLOB,
            "validate": validate.brief(),
            "plan": {**plan.brief(), "requests_to_emulator": plan_requests,
                     "command": "extendpipe plan MANIFEST --base-url URL (empty state folder; stdout to /dev/null)"},
            "validate_plus_plan_seconds": round(validate.wall + plan.wall, 3),
            "peak_rss_mb": round(max(validate.max_rss_mb, plan.max_rss_mb), 1),
            "hashing": {
                "rounds": rounds,
                "extendpipe": {"seconds_median": round(ours_seconds, 3),
                               "MB_per_second": round(mb / ours_seconds, 2),
                               "files_per_second": round(files / ours_seconds),
                               "glob_seconds_median": round(statistics.median(d["glob_seconds"] for d in ours), 3),
                               "how": "plan.hash_inputs (its default 4 threads), timed inside the process"},
                "sha256sum": {"seconds_median": round(theirs_seconds, 3),
                              "MB_per_second": round(mb / theirs_seconds, 2),
                              "files_per_second": round(files / theirs_seconds),
                              "how": "xargs -0 sha256sum over the same sorted list, process wall time"},
                "throughput_ratio": round(theirs_seconds / ours_seconds, 3),
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(emu_dir, ignore_errors=True)
