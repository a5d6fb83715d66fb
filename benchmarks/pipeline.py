"""apply and the naive baseline on the same generated documents, each against a fresh emulator with
the scenario's limits and latencies, beside the ideal-client bound.

The emulator runs in this process; each client runs in a child process measured alone (measure.py),
so client CPU and peak RSS never include the emulator's.
"""

from __future__ import annotations

import json
import math
import shlex
import shutil
import tempfile
from pathlib import Path

from benchmarks import measure
from benchmarks.docs import write_documents, write_manifest
from benchmarks.emulated import received, start_emulator, track_timeline
from benchmarks.scenario import KEY, WORKFLOW_ID, Scenario, ideal_bound

FLOOR_WORKERS = 8  # apply's default --concurrency


def baseline_workers(s: Scenario) -> int:
    """A pool big enough that threads never cap the baseline below the limits: the runs in flight
    at the peak rate, each busy for processing + the first 1 s poll + half a poll interval + three
    answers (upload, create, the final GET)."""
    times = s.processing_times()
    per_second = min(s.rps, s.runs_per_minute / 60.0)
    busy = sum(times) / len(times) + 1.0 + 0.5 + 3 * s.mean_answer_latency
    return max(4, min(128, math.ceil(per_second * busy)))


def emulator_folder() -> Path:
    """The emulator's SQLite file goes to memory when it can: it stands in for a remote service."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="extendpipe-bench-emu-", dir=shm if shm.is_dir() else None))


def _summarise(measured: measure.Measured, got: dict, docs: int, bound: float, emulator_cpu: float,
               timeline: dict) -> dict:
    total = got["total"] or 1
    return {
        "wall_seconds": round(measured.wall, 3),
        "ratio_to_bound": round(measured.wall / bound, 3),
        "requests_per_document": {k: round(got[k] / docs, 3) for k in ("GET", "WRITE", "RUN", "total")},
        "http429": got["http429"],
        "http429_share": round(got["http429"] / total, 4),
        "client_cpu_seconds": round(measured.cpu, 3),
        "client_cpu_seconds_per_1000_documents": round(measured.cpu / docs * 1000, 3),
        "peak_rss_mb": round(measured.max_rss_mb, 1),
        "exit_code": measured.returncode,
        "timed_out": measured.timed_out,
        "received_by_emulator": got,
        "first_and_last_request_seconds": dict(sorted(timeline.items())),
        "emulator_cpu_seconds": round(emulator_cpu, 3),
    }


def _with_emulator(scenario: Scenario, folder: Path, name: str, run_client):
    """Fresh emulator → run_client(url) → (client result, what the emulator received, its CPU, and
    per route the first and last request, in seconds from the client's start)."""
    emu = start_emulator(scenario, folder / f"{name}.sqlite3")
    try:
        before = measure.self_cpu()
        timeline = track_timeline(emu)
        result = run_client(emu.url)
        emulator_cpu = measure.self_cpu() - before
        return result, received(emu), emulator_cpu, timeline
    finally:
        emu.stop()


def run_apply(scenario: Scenario, work: Path, emu_dir: Path, manifest: Path, bound: float, timeout: float,
              extra_args: list, label: str) -> dict:
    state, report_path = work / f"state-{label}", work / f"report-{label}.json"
    rate = f"rps={scenario.rps:g},runs={scenario.runs_per_minute}"

    def client(url: str) -> measure.Measured:
        argv = [measure.python(), "-m", "extendpipe", "apply", str(manifest), "--base-url", url,
                "--rate-limit", rate, "--state-dir", str(state), "--report", str(report_path), *extra_args]
        return measure.run(argv, timeout=timeout, env=measure.child_env({"EXTEND_API_KEY": KEY}), cwd=work)

    measured, got, emulator_cpu, timeline = _with_emulator(scenario, emu_dir, label, client)
    doc = {"command": f"extendpipe apply MANIFEST --base-url URL --rate-limit {rate} "
                      + " ".join(shlex.quote(a) for a in extra_args)}
    doc["command"] = doc["command"].strip()
    doc.update(_summarise(measured, got, scenario.docs, bound, emulator_cpu, timeline))
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    if report is not None:
        doc["succeeded"] = report["summary"].get("succeeded")
        doc["by_status"] = report["summary"].get("byStatus")
        doc["client_counted"] = report.get("requests")
    else:
        doc["succeeded"], doc["stderr_tail"] = None, measured.stderr[-2000:]
    return doc


def _run_script_client(scenario: Scenario, work: Path, emu_dir: Path, bound: float, timeout: float, module: str,
                       label: str, argv_after_url: list, command: str, extra_fields: tuple = ()) -> dict:
    """A benchmark client script (`python -m benchmarks.MODULE --base-url URL ...`) against a fresh
    emulator; its last stdout line is its JSON summary: by_status, requests, and `extra_fields`."""
    def client(url: str) -> measure.Measured:
        return measure.run([measure.python(), "-m", f"benchmarks.{module}", "--base-url", url, *argv_after_url],
                           timeout=timeout, cwd=work)

    measured, got, emulator_cpu, timeline = _with_emulator(scenario, emu_dir, label, client)
    doc = {"command": command}
    doc.update(_summarise(measured, got, scenario.docs, bound, emulator_cpu, timeline))
    try:
        out = json.loads(measured.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        out = None
    if out is not None:
        doc["succeeded"] = out["by_status"].get("PROCESSED", 0)
        doc["by_status"], doc["client_counted"] = out["by_status"], out["requests"]
        doc.update({key: out[key] for key in extra_fields})
    else:
        doc["succeeded"], doc["stderr_tail"] = None, measured.stderr[-2000:]
    return doc


def run_baseline(scenario: Scenario, work: Path, emu_dir: Path, paths: list, bound: float, timeout: float,
                 workers: int) -> dict:
    listing = work / "baseline-files.txt"
    listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    return _run_script_client(
        scenario, work, emu_dir, bound, timeout, "baseline", "baseline",
        ["--api-key", KEY, "--workflow-id", WORKFLOW_ID, "--workers", str(workers), "--files-from", str(listing)],
        f"python -m benchmarks.baseline --workers {workers} (extend-ai 0.2.0 SDK, thread pool, "
        "GET every 1 s for 30 s then x1.15 up to 30 s, no pacing)", extra_fields=("errors", "polls"))


def run_floor(scenario: Scenario, work: Path, emu_dir: Path, paths: list, bound: float, timeout: float,
              workers: int, stack: str = "urllib3") -> dict:
    listing = work / "floor-files.txt"
    times = scenario.processing_times()
    listing.write_text("".join(f"{p}\t{times[i]}\n" for i, p in enumerate(paths)), encoding="utf-8")
    return _run_script_client(
        scenario, work, emu_dir, bound, timeout, "floor", f"floor-{stack}",
        ["--api-key", KEY, "--workflow-id", WORKFLOW_ID, "--rps", f"{scenario.rps:g}", "--workers", str(workers),
         "--files-from", str(listing), "--stack", stack],
        f"python -m benchmarks.floor --workers {workers} --stack {stack} (bare {stack}: 1 upload + 1 create + "
        "1 GET at the known end of processing per document, paced, nothing else)")


def run(scenario: Scenario, *, baseline: bool = True, floor: bool = True, floor_http_client: bool = False,
        workers: int | None = None, variants=(),
        timeout_factor: float = 4.0, log=lambda message: None) -> dict:
    bound = ideal_bound(scenario)
    timeout = timeout_factor * bound["seconds"] + 60.0
    work = Path(tempfile.mkdtemp(prefix="extendpipe-bench-"))
    emu_dir = emulator_folder()
    try:
        paths = write_documents(work / "docs", scenario.docs)
        manifest = write_manifest(work / "bench.yaml", "docs/*.txt")
        log(f"pipeline: bound {bound['seconds']:.1f} s; extendpipe apply")
        result = {"scenario": scenario.describe(), "bound": bound,
                  "apply": run_apply(scenario, work, emu_dir, manifest, bound["seconds"], timeout, [], "apply")}
        if floor:
            log("pipeline: urllib3 floor (the three requests per document alone)")
            result["floor"] = run_floor(scenario, work, emu_dir, paths, bound["seconds"], timeout, FLOOR_WORKERS)
            result["apply_over_floor"] = {
                "client_cpu": _ratio(result["apply"]["client_cpu_seconds"], result["floor"]["client_cpu_seconds"]),
            }
        if floor_http_client:
            log("pipeline: the same floor on the standard library's http.client (comparison)")
            result["floor_http_client"] = run_floor(scenario, work, emu_dir, paths, bound["seconds"], timeout,
                                                    FLOOR_WORKERS, "http.client")
        if baseline:
            count = workers or baseline_workers(scenario)
            log(f"pipeline: naive baseline, {count} threads")
            result["baseline"] = run_baseline(scenario, work, emu_dir, paths, bound["seconds"], timeout, count)
            result["baseline_over_apply"] = {
                "wall": round(result["baseline"]["wall_seconds"] / result["apply"]["wall_seconds"], 3),
                "GET_requests": _ratio(result["baseline"]["received_by_emulator"]["GET"],
                                       result["apply"]["received_by_emulator"]["GET"]),
                "client_cpu": _ratio(result["baseline"]["client_cpu_seconds"], result["apply"]["client_cpu_seconds"]),
            }
        for i, variant in enumerate(variants, 1):
            log(f"pipeline: extendpipe apply {variant}")
            result.setdefault("apply_variants", []).append(
                run_apply(scenario, work, emu_dir, manifest, bound["seconds"], timeout, shlex.split(variant),
                          f"variant{i}"))
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(emu_dir, ignore_errors=True)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None
