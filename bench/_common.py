"""Shared helpers of the benchmarks: timed runs interleaved across tools, medians and ratios.

Peer tools live in their own virtualenvs under .bench/ (made by `make bench-peers`), never in .venv.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_ENVS = ROOT / ".bench"
VENV_BIN = Path(sys.executable).parent


def peer(venv: str, executable: str) -> Path:
    """The path of a peer tool's command, or exit telling how to install it."""
    path = BENCH_ENVS / venv / "bin" / executable
    if not path.is_file():
        sys.exit(f"bench: {path} is missing; run `make bench-peers` (or `make bench`)")
    return path


@dataclass
class Run:
    seconds: float
    ok: bool
    output: str


def run(command: Sequence[str | Path], cwd: Path | None = None) -> Run:
    """Run a command to completion, timing it from start-up to exit, as a user would see it."""
    started = time.perf_counter()
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False)
    return Run(time.perf_counter() - started, result.returncode == 0, result.stdout + result.stderr)


@dataclass
class Series:
    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleaved(cases: dict[str, Callable[[], float]], runs: int) -> dict[str, Series]:
    """Time each case `runs` times, round-robin, so a busy moment on the machine hits every tool alike."""
    series = {name: Series(name) for name in cases}
    for round_no in range(1, runs + 1):
        for name, case in cases.items():
            series[name].seconds.append(case())
        print(f"  round {round_no}/{runs}: " + ", ".join(f"{n} {s.seconds[-1]:.2f}s" for n, s in series.items()))
    return series


def report(title: str, series: dict[str, Series], baseline: str) -> None:
    """A table of medians (and the spread), each as a ratio against the baseline measured in the same run."""
    base = series[baseline].median
    print(f"\n{title}")
    print(f"  {'tool':44s} {'median':>8s} {'min':>7s} {'max':>7s} {'ratio':>8s}")
    for s in series.values():
        ratio = s.median / base if base else float("nan")
        print(f"  {s.name:44s} {s.median:7.2f}s {min(s.seconds):6.2f}s {max(s.seconds):6.2f}s {ratio:7.2f}x")
