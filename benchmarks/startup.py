"""Start-up: `extendpipe --help` and `extendpipe validate pipelines/invoices.yaml` next to `python -c pass`.

The three commands run interleaved, round after round, so a burst of load on the machine hits all
of them alike; medians are reported, with ratios to `python -c pass`. `python -m extendpipe` is used
because the package is not installed in the benchmark's interpreter; it imports the same `cli.main`
the console script does.
"""

from __future__ import annotations

import statistics

from benchmarks import measure

COMMANDS = {
    "python_pass": ["-c", "pass"],
    "help": ["-m", "extendpipe", "--help"],
    "validate": ["-m", "extendpipe", "validate", "pipelines/invoices.yaml"],
}


def run(rounds: int = 9, timeout: float = 60.0) -> dict:
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    rss: dict[str, float] = {}
    codes: dict[str, set] = {name: set() for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            measured = measure.run([measure.python(), *args], timeout=timeout, stdout_to_null=True)
            walls[name].append(measured.wall)
            rss[name] = max(rss.get(name, 0.0), measured.max_rss_mb)
            codes[name].add(measured.returncode)
    base = statistics.median(walls["python_pass"])
    doc = {"rounds": rounds}
    for name in COMMANDS:
        median = statistics.median(walls[name])
        doc[name] = {"median_seconds": round(median, 4), "min_seconds": round(min(walls[name]), 4),
                     "ratio_to_python_pass": round(median / base, 2) if base else None,
                     "peak_rss_mb": round(rss[name], 1), "exit_codes": sorted(codes[name])}
    doc["command"] = "python -m extendpipe ... (same entry point as the console script)"
    return doc
