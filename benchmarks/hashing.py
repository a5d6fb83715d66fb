"""Child process: resolve a manifest's globs and hash every input the way `extendpipe plan` does.

    python -m benchmarks.hashing MANIFEST

Uses the product's own code (`iter_desired_runs`, then `plan.hash_inputs` with its default threads)
and prints one JSON document: files, bytes, glob_seconds, hash_seconds (timed inside the process, so
interpreter start-up and imports are left out, as they are for sha256sum).
"""

from __future__ import annotations

import json
import sys
import time


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from extendpipe.desired import iter_desired_runs
    from extendpipe.manifest import load_manifest
    from extendpipe.plan import hash_inputs

    manifest = load_manifest(argv[0])
    started = time.perf_counter()
    desired = list(iter_desired_runs(manifest))
    globbed = time.perf_counter()
    files = size = 0
    for _, _, nbytes in hash_inputs(desired):
        files += 1
        size += nbytes
    hashed = time.perf_counter()
    json.dump({"files": files, "bytes": size, "glob_seconds": round(globbed - started, 4),
               "hash_seconds": round(hashed - globbed, 4)}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
