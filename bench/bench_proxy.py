"""`make bench-proxy`: the latency `voxspec proxy` adds to each request, against Prism's validating proxy.

Both proxies sit in front of the same target (the VoIPcloud mock) in the same run and get the same requests
at 16 connections; the target is also loaded directly, and each proxy's added latency is its p50/p99 minus
the direct p50/p99 of the same round. Prints medians of the rounds and the ratio; the goal is to add less
than Prism at p99. A round is a few seconds per server so the whole run stays well under two minutes.
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import ExitStack

from _common import ROOT
from bench_mock import KEY, PRISM, SPEC, VOXSPEC, Result, free_port, load, server

PATH = "/api/integration/v1/get-user-calls?limit=10&offset=0"


def _added(proxied: list[Result], direct: list[Result]) -> tuple[float, float]:
    """Median over rounds of (p50, p99) added by the proxy, each against the direct load of its own round."""
    return (
        statistics.median(p.p50_ms - d.p50_ms for p, d in zip(proxied, direct, strict=True)),
        statistics.median(p.p99_ms - d.p99_ms for p, d in zip(proxied, direct, strict=True)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not PRISM.exists():
        raise SystemExit(f"bench: {PRISM} is missing; `make bench-proxy` installs it")
    spec = str(ROOT / "specs" / SPEC / "openapi.yaml")
    target_port, voxspec_port, prism_port = free_port(), free_port(), free_port()
    target = f"http://127.0.0.1:{target_port}"
    servers = [
        ("target", [str(VOXSPEC), "mock", SPEC, "--port", str(target_port)], target_port),
        ("voxspec", [str(VOXSPEC), "proxy", SPEC, "--target", target, "--port", str(voxspec_port)], voxspec_port),
        ("prism", [str(PRISM), "proxy", "-p", str(prism_port), "-h", "127.0.0.1", spec, target], prism_port),
    ]
    print(
        f"bench-proxy: {SPEC}, GET {PATH}, {args.connections} connections, {args.runs} rounds x {args.seconds}s, "
        "added latency = proxied minus direct in the same round, medians"
    )
    with ExitStack() as stack:
        for _name, command, port in servers:
            stack.enter_context(server(command, port, {"VOXSPEC_MOCK_KEYS": KEY}))
        urls = {name: f"http://127.0.0.1:{port}{PATH}" for name, _command, port in servers}
        for url in urls.values():
            load(url, args.connections, 1)  # warm-up: connections, JIT, caches
        rounds: dict[str, list[Result]] = {name: [] for name in urls}
        for round_no in range(1, args.runs + 1):
            for name, url in urls.items():
                rounds[name].append(load(url, args.connections, args.seconds))
            print(
                f"  round {round_no}/{args.runs}: "
                + ", ".join(f"{n} p50 {r[-1].p50_ms:.2f} p99 {r[-1].p99_ms:.2f} ms" for n, r in rounds.items())
            )
    direct = rounds.pop("target")
    errors = {name: sum(r.errors for r in results) for name, results in rounds.items()}
    added = {name: _added(results, direct) for name, results in rounds.items()}
    print(
        f"  direct     p50 {statistics.median(r.p50_ms for r in direct):6.2f} ms   "
        f"p99 {statistics.median(r.p99_ms for r in direct):6.2f} ms"
    )
    for name, (p50, p99) in added.items():
        rps = statistics.median(r.rps for r in rounds[name])
        print(f"  {name:10} adds p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({rps:.0f} req/s, errors {errors[name]})")
    mine, theirs = added["voxspec"], added["prism"]
    ratio = mine[1] / theirs[1] if theirs[1] > 0 else float("inf")
    ratio50 = mine[0] / theirs[0] if theirs[0] > 0 else float("inf")
    met = mine[1] < theirs[1] and errors["voxspec"] == 0
    print(
        f"bench-proxy: voxspec adds {ratio:.2f}x Prism's p99 ({ratio50:.2f}x at p50); "
        f"goal lower than Prism at p99: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
