"""Child-side launcher: run a command and record its rusage, from a small process.

    python -S benchmarks/launch.py OUT_JSON COMMAND [ARG...]

Why: on Linux a child's ru_maxrss includes the memory of the process it was forked from (the
pre-exec image is counted when it execs), so a child forked straight from the benchmark, which
holds the emulator, would report the emulator's size as its own peak. Forked from this launcher
(~10 MB), the command's peak RSS is its own. Standard streams are inherited; the exit code is the
command's. Imports nothing from the project.
"""

import json
import os
import sys
import time


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"wall": wall, "exit_code": code, "user": usage.ru_utime, "system": usage.ru_stime,
                   "maxrss_kb": usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024}, fh)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
