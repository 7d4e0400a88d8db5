"""Docs build speed: `voxspec docs` for every vendor against Redocly's `build-docs` on the same specs.

Run by `make bench-docs`; prints medians of BENCH_RUNS (default 5) interleaved runs, the ratio, and whether
the whole site builds within its 10-second budget. Redocly renders one spec per run (and its page loads the
Redoc script from a CDN), so its time is the sum over every spec.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_ENVS, ROOT, VENV_BIN, interleaved, report, run

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
BUDGET_SECONDS = 10.0


def main() -> int:
    redocly = BENCH_ENVS / "redocly" / "node_modules" / ".bin" / "redocly"
    if not redocly.is_file():
        sys.exit(f"bench-docs: {redocly} is missing; run `make bench-docs`")
    specs = sorted((ROOT / "specs").glob("*/openapi.yaml"))
    work = Path(tempfile.mkdtemp(prefix="voxspec-bench-docs-"))

    def voxspec_case() -> float:
        result = run([VENV_BIN / "voxspec", "--root", ROOT, "docs", "--out", work / "site"])
        if not result.ok:
            sys.exit(f"bench-docs: voxspec docs failed:\n{result.output}")
        return result.seconds

    def redocly_case() -> float:
        total = 0.0
        for spec in specs:
            result = run([redocly, "build-docs", spec, "-o", work / "redoc" / f"{spec.parent.name}.html"])
            if not result.ok:
                sys.exit(f"bench-docs: redocly failed on {spec}:\n{result.output[-2000:]}")
            total += result.seconds
        return total

    try:
        print(f"bench-docs: {len(specs)} specs, median of {RUNS} interleaved runs")
        series = interleaved(
            {"voxspec docs (all specs)": voxspec_case, "redocly build-docs (each spec)": redocly_case}, RUNS
        )
        report("docs build, median seconds (ratio against redocly)", series, "redocly build-docs (each spec)")
        ours = series["voxspec docs (all specs)"].median
        print(
            f"\n  target: the site of every vendor in under {BUDGET_SECONDS:.0f}s: {ours:.2f}s, "
            f"{'met' if ours < BUDGET_SECONDS else 'NOT met'}"
        )
        return 0 if ours < BUDGET_SECONDS else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
