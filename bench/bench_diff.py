"""Time `voxspec diff` of two ~7,000-line specs: the whole command (process start, git show, load, compare,
print) and the in-process work alone (load both sides, compare). Target: under 1 s for the command.

Pairs: the oldest committed Avaya and Telphin specs against the working tree, and our NetSapiens spec against the
vendor's published document (about 30,000 lines of JSON) when ../shared/vendor-references/ is there.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, VENV_BIN, interleaved, run

from generator.diff import diff_documents
from generator.diff.sources import resolve

TARGET_SECONDS = 1.0
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
REFERENCE = ROOT.parent / "shared/vendor-references/netsapiens-api-v2-v45.0.openapi.json"
if not REFERENCE.is_file():  # a work tree beside the main checkout
    REFERENCE = ROOT.parents[1] / "shared/vendor-references/netsapiens-api-v2-v45.0.openapi.json"


def oldest(vendor: str) -> str:
    log = subprocess.run(
        ["git", "log", "--format=%h", "--", f"specs/{vendor}/openapi.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return log.stdout.split()[-1]


def main() -> int:
    pairs = {vendor: (f"{vendor}@{oldest(vendor)}", vendor) for vendor in ("avaya", "telphin")}
    if REFERENCE.is_file():
        pairs["netsapiens-vs-vendor"] = ("specs/netsapiens/openapi.yaml", str(REFERENCE))
    cases: dict[str, Callable[[], float]] = {}
    cpu: dict[str, list[float]] = {}
    for name, (old, new) in pairs.items():
        lines = resolve(ROOT, new).path.read_text(encoding="utf-8").count("\n") + 1

        def command(old: str = old, new: str = new, name: str = name) -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = run([VENV_BIN / "voxspec", "diff", old, new, "--format", "json"], cwd=ROOT)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if not result.ok:
                sys.exit(f"bench: voxspec diff {old} {new} failed:\n{result.output}")
            # CPU seconds of the command and its git child: what the wall time would be on an idle core.
            cpu.setdefault(name, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            return result.seconds

        def in_process(old: str = old, new: str = new) -> float:
            started = time.perf_counter()
            diff_documents(resolve(ROOT, old), resolve(ROOT, new))
            return time.perf_counter() - started

        print(f"{name}: {old} -> {new} ({lines} lines new side)")
        cases[f"{name} command"] = command
        cases[f"{name} in-process"] = in_process
    series = interleaved(cases, RUNS)
    failed = False
    for name, entry in series.items():
        verdict = "ok" if entry.median < TARGET_SECONDS else "OVER TARGET"
        failed |= name.endswith("command") and not name.startswith("netsapiens") and entry.median >= TARGET_SECONDS
        target = f"target < {TARGET_SECONDS:.0f}s"
        print(f"bench-diff: {name}: median {entry.median:.3f}s over {RUNS} runs ({target}) {verdict}")
    for name, seconds in cpu.items():
        print(f"bench-diff: {name} command: median CPU {statistics.median(seconds):.3f}s (user + system, git included)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
