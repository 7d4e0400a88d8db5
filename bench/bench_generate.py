"""Generation speed: voxspec against openapi-python-client and fastapi-code-generator on the same specs.

Run by `make bench-generate`; prints medians of BENCH_RUNS (default 5) interleaved runs and the ratios.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, VENV_BIN, Run, interleaved, peer, report, run

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET_RATIO = 0.3
NOOP_TARGET = 1.0


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        # caches that tools leave beside the committed files (.mypy_cache, .ruff_cache, __pycache__) are not output
        if p.is_file() and not any(part.startswith((".", "__pycache__")) for part in p.relative_to(folder).parts)
    }


Command = Callable[[str, Path], list[str | Path]]


def peer_commands(opc: Path, fcg: Path, work: Path) -> dict[str, Command]:
    """Each peer's own command line for one spec (both take one spec per run), output under work/<tool>/."""
    opc_out = work / "openapi-python-client"
    fcg_out = work / "fastapi-code-generator"
    return {
        "openapi-python-client": lambda v, s: [
            opc,
            "generate",
            "--path",
            s,
            "--output-path",
            opc_out / v,
            "--overwrite",
        ],
        "fastapi-code-generator": lambda v, s: [fcg, "--input", s, "--output", fcg_out / v],
    }


def verdict(result: Run, tool: str) -> str:
    if not result.ok:
        last = [line for line in result.output.strip().splitlines() if line.strip()][-1:] or ["no output"]
        return f"failed: {last[0][:100]}"
    if tool == "openapi-python-client" and "Warning(s) encountered" in result.output:
        dropped = result.output.count("Endpoint will not be generated") + result.output.count("Unable to process")
        return f"generated, with warnings ({dropped} endpoint(s)/schema(s) left out)"
    return "generated"


def probe(commands: dict[str, Command], vendors: list[str], spec: dict[str, Path]) -> list[str]:
    """Which specs each peer generates; returns the specs every tool generates."""
    print("\nwhich specs each peer generates (one probing run each):")
    like = list(vendors)
    for tool, command in commands.items():
        for v in vendors:
            outcome = verdict(run(command(v, spec[v])), tool)
            print(f"  {tool:24s} {v:12s} {outcome}")
            if not outcome.startswith("generated") and v in like:
                like.remove(v)
    if like != vendors:
        print(f"  compared like for like on the specs every tool generated: {', '.join(like)}")
    return like


def full_generation(project: Path, work: Path, commands: dict[str, Command], like: list[str], all_specs: bool) -> None:
    spec = {v: project / "specs" / v / "openapi.yaml" for v in like}

    def voxspec_case() -> float:
        shutil.rmtree(project / "generated", ignore_errors=True)
        result = run([VENV_BIN / "voxspec", "--root", project, "generate", *(["--force"] if all_specs else like)])
        if not result.ok:
            sys.exit(f"bench-generate: voxspec failed:\n{result.output}")
        return result.seconds

    def peer_case(tool: str, at_once: int) -> Callable[[], float]:
        def case() -> float:
            shutil.rmtree(work / tool, ignore_errors=True)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=at_once) as pool:
                list(pool.map(lambda v: run(commands[tool](v, spec[v])), like))
            return time.perf_counter() - started

        return case

    print("\nfull generation (voxspec from an empty generated/ with --force; each peer once per spec):")
    cases = {"voxspec (all specs, one process per core)": voxspec_case}
    for tool in commands:
        cases[f"{tool} (one spec at a time)"] = peer_case(tool, 1)
        cases[f"{tool} (2 specs at a time)"] = peer_case(tool, 2)
    series = interleaved(cases, RUNS)
    expected = {f"{v}/{k}": b for v in like for k, b in tree(ROOT / "generated" / v).items()}
    if tree(project / "generated") != expected:
        print("bench-generate: WARNING the benchmarked output differs from the committed generated/")
    baseline = "openapi-python-client (one spec at a time)"
    report(
        "full generation, median seconds (ratio against openapi-python-client, one spec at a time)", series, baseline
    )
    ours = series["voxspec (all specs, one process per core)"].median
    print()
    for name in list(series)[1:]:
        print(f"  voxspec / {name}: {ours / series[name].median:.2f}x")
    ratio = ours / series[baseline].median
    met = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"  target voxspec <= {TARGET_RATIO}x openapi-python-client: {ratio:.2f}x, {met}")


def noop_generate() -> None:
    print("\nno-op `make generate` (nothing changed; includes make's venv stamp check and Python start-up):")
    warm = run(["make", "-s", "generate"], cwd=ROOT)
    if not warm.ok:
        sys.exit(f"bench-generate: make generate failed:\n{warm.output}")
    median = interleaved({"make generate (no-op)": _noop}, RUNS)["make generate (no-op)"].median
    print(f"  median {median:.3f}s; target < {NOOP_TARGET:.0f}s: {'met' if median < NOOP_TARGET else 'NOT met'}")


def main() -> int:
    opc = peer("openapi-python-client", "openapi-python-client")
    fcg = peer("fastapi-code-generator", "fastapi-codegen")
    vendors = sorted(p.parent.name for p in (ROOT / "specs").glob("*/openapi.yaml"))
    work = Path(tempfile.mkdtemp(prefix="voxspec-bench-"))
    project = work / "voxspec"
    shutil.copytree(ROOT / "specs", project / "specs")
    commands = peer_commands(opc, fcg, work)
    try:
        print(f"bench-generate: {len(vendors)} specs ({', '.join(vendors)}), median of {RUNS} interleaved runs")
        like = probe(commands, vendors, {v: project / "specs" / v / "openapi.yaml" for v in vendors})
        if not like:
            print("bench-generate: no spec that every tool generates; nothing to compare")
            return 1
        full_generation(project, work, commands, like, like == vendors)
        noop_generate()
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _noop() -> float:
    result = run(["make", "-s", "generate"], cwd=ROOT)
    if "nothing changed" not in result.output:
        sys.exit(f"bench-generate: make generate was not a no-op:\n{result.output}")
    return result.seconds


if __name__ == "__main__":
    sys.exit(main())
