"""`make bench-mock`: `voxspec mock` against Prism on the same spec, loaded by the same client in one run.

Prints requests/s and p50/p99 latency of each (median of several runs) and the ratio; exits 1 when the
target (10x Prism's throughput, p99 under 10 ms at 16 connections) is missed. With `--control both` (the
default) a one-worker mock with the control API on (`--control`: every call journaled and checked for queued
answers) runs beside the others, interleaved with them, and its ratio to Prism and to the same mock without the
control API are printed too; the target is judged on the mocks without it. `--soak SECONDS` instead
runs a mixed create/read/list load against a two-worker SQLite mock and checks every created
resource can be listed afterwards, then races writers against each other on one record (parallel
merge-updates of different fields; an update racing a delete) and counts lost updates and deletes
the racing update brought back: both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import BENCH_ENVS, ROOT, VENV_BIN

PRISM = BENCH_ENVS / "node_modules" / ".bin" / "prism"
VOXSPEC = VENV_BIN / "voxspec"
KEY = "voxspec-mock-key"
SPEC = "voipcloud"
PATHS = ("/api/integration/v1/get-system-status", "/api/integration/v1/get-user-calls?limit=10&offset=0")
TARGET_RATIO, TARGET_P99_MS = 10.0, 10.0


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"bench: {command[0]} exited with {process.returncode}") from None
                time.sleep(0.2)
        else:
            raise SystemExit(f"bench: {' '.join(command)} did not listen on {port}")
        time.sleep(0.5)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _ms(text: str) -> float:
    """wrk's latency cell (`887.00us`, `1.20ms`, `2.00s`, `1.00m`); NaN when it measured nothing."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[found.group(2)]


def wrk(url: str, connections: int, seconds: int) -> Result:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"token: {KEY}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    errors += sum(int(n) for n in re.findall(r"Socket errors:.*?(\d+)", out))
    return Result(rps, p50, p99, errors)


async def _httpx_load(url: str, connections: int, seconds: int) -> Result:
    """The fallback client when wrk is not installed: an async httpx loop, same headers and concurrency."""
    import httpx

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(url, headers={"token": KEY})
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code >= 300

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        len(latencies) / elapsed, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], errors
    )


def load(url: str, connections: int, seconds: int) -> Result:
    if shutil.which("wrk"):
        return wrk(url, connections, seconds)
    return asyncio.run(_httpx_load(url, connections, seconds))


def median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


CONTROLLED = "voxspec/1w+ctl"  # one worker: the control API refuses more (each would keep its own journal)


def compare(
    runs: int, seconds: int, connections: int, workers: list[int], control: str = "both", prism: Path = PRISM
) -> int:
    if not prism.exists():
        raise SystemExit(f"bench: {prism} is missing; `make bench-mock` installs it")
    spec = str(ROOT / "specs" / SPEC / "openapi.yaml")
    client = "wrk -t2" if shutil.which("wrk") else "async httpx loop"
    print(f"bench-mock: {SPEC} spec, {client}, {connections} connections, {runs} runs x {seconds}s per path, medians")
    ok = True
    prism_port = free_port()
    servers = [
        (f"voxspec/{n}w", [str(VOXSPEC), "mock", SPEC, "--port", str(port), "--workers", str(n)], port)
        for n, port in ((n, free_port()) for n in (workers if control != "on" else []))
    ]
    if control != "off":
        port = free_port()
        servers.append((CONTROLLED, [str(VOXSPEC), "mock", SPEC, "--port", str(port), "--control"], port))
    servers.append(("prism", [str(prism), "mock", "-p", str(prism_port), "-h", "127.0.0.1", spec], prism_port))
    # Every server is up for the whole run and the load runs go round-robin, so a busy moment on the machine
    # hits each alike; an idle server costs the others next to nothing.
    with ExitStack() as stack:
        for _name, command, port in servers:
            stack.enter_context(server(command, port))
        for path in PATHS:
            urls = {name: f"http://127.0.0.1:{port}{path}" for name, _command, port in servers}
            for url in urls.values():
                load(url, connections, 2)  # warm-up
            rounds: dict[str, list[Result]] = {name: [] for name in urls}
            for _ in range(runs):
                for name, url in urls.items():
                    rounds[name].append(load(url, connections, seconds))
            results = {name: median(measured) for name, measured in rounds.items()}
            ok = _compare_path(path, results) and ok
    print(
        f"bench-mock: target {TARGET_RATIO:.0f}x Prism with p99 < {TARGET_P99_MS:.0f} ms: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


def _compare_path(path: str, results: dict[str, Result]) -> bool:
    theirs = results.pop("prism")
    print(f"  GET {path}")
    for name, r in [*results.items(), ("prism", theirs)]:
        line = f"{r.rps:8.0f} req/s   p50 {r.p50_ms:6.2f} ms   p99 {r.p99_ms:6.2f} ms   errors {r.errors}"
        print(f"    {name:14} {line}")
    for name, mine in results.items():
        ratio = mine.rps / theirs.rps if theirs.rps else float("inf")
        met = ratio >= TARGET_RATIO and mine.p99_ms < TARGET_P99_MS and mine.errors == 0
        print(f"    {name:14} {ratio:8.1f}x Prism's throughput, p99 {mine.p99_ms:.2f} ms: {'ok' if met else 'MISSED'}")
    on, off = results.get(CONTROLLED), results.get("voxspec/1w")
    if on is not None and off is not None and off.rps:
        print(
            f"    control API on: {on.rps / off.rps:.3f}x the throughput of voxspec/1w without it, "
            f"p99 {on.p99_ms:.2f} ms against {off.p99_ms:.2f} ms"
        )
    judged = [r for name, r in results.items() if name != CONTROLLED] or list(results.values())
    best = max(judged, key=lambda r: r.rps)
    return best.rps >= TARGET_RATIO * theirs.rps and best.p99_ms < TARGET_P99_MS and best.errors == 0


async def _soak(base: str, seconds: int, connections: int) -> tuple[int, int, int, set[int], list[str]]:
    import httpx

    headers = {"Authorization": f"Bearer {KEY}"}
    created: set[int] = set()
    problems: list[str] = []
    calls = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        nonlocal calls
        i = 0
        while time.perf_counter() < deadline:
            i += 1
            answer = await client.post("/agent/", json={"name": f"agent-{n}-{i}", "call_timeout": i % 60})
            calls += 1
            if answer.status_code != 201:
                problems.append(f"POST {answer.status_code} {answer.text[:200]}")
                continue
            agent = answer.json()
            created.add(agent["id"])
            read = await client.get(f"/agent/{agent['id']}")
            calls += 1
            if read.status_code != 200 or read.json() != agent:
                problems.append(f"GET {read.status_code} {read.text[:200]}")
            if i % 50 == 0:
                listed = await client.get("/agent/")
                calls += 1
                if listed.status_code != 200:
                    problems.append(f"LIST {listed.status_code}")

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        await asyncio.gather(*(worker(n, client) for n in range(connections)))
        listed = await client.get("/agent/")
    ids = {a["id"] for a in listed.json()} if listed.status_code == 200 else set()
    return calls, len(problems), len(created), created - ids, problems[:5]


RACE_FIELDS = ("name-first-name", "name-last-name", "email-address", "department", "site")


async def _race(base: str, seconds: int, racers: int) -> tuple[int, int, int, list[str]]:
    """Rounds of racing writers on NetSapiens users: (rounds, lost updates, resurrected deletes, problems)."""
    import httpx

    headers = {"Authorization": f"Bearer {KEY}"}
    rounds = lost = resurrected = 0
    problems: list[str] = []
    deadline = time.perf_counter() + seconds

    async def racer(n: int, client: httpx.AsyncClient) -> None:
        nonlocal rounds, lost, resurrected
        i = 0
        while time.perf_counter() < deadline:
            i += 1
            user, users = f"race-{n}-{i}", "/domains/example.com/users"
            body = {
                "synchronous": "yes",
                "user": user,
                "name-first-name": "A",
                "name-last-name": "B",
                "email-address": f"{user}@example.com",
                "user-scope": "Basic User",
            }
            made = await client.post(users, json=body)
            if made.status_code != 200:
                problems.append(f"POST {made.status_code} {made.text[:200]}")
                continue
            rounds += 1
            # every update sets its own field: a merge that read before another's write loses that field
            await asyncio.gather(
                *(client.put(f"{users}/{user}", json={"synchronous": "yes", f: f"{f}-{i}"}) for f in RACE_FIELDS)
            )
            read = (await client.get(f"{users}/{user}")).json()
            lost += any(read.get(f) != f"{f}-{i}" for f in RACE_FIELDS)
            # an update racing a delete must not bring the deleted record back
            _, gone = await asyncio.gather(
                client.put(f"{users}/{user}", json={"synchronous": "yes", "department": "late"}),
                client.delete(f"{users}/{user}"),
            )
            after = await client.get(f"{users}/{user}")
            resurrected += gone.is_success and after.status_code != 404

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        await asyncio.gather(*(racer(n, client) for n in range(racers)))
    return rounds, lost, resurrected, problems[:5]


def race(seconds: int, racers: int, workers: int) -> int:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="voxspec-race-") as tmp:
        state = f"sqlite:{Path(tmp) / 'state.db'}"
        command = [str(VOXSPEC), "mock", "netsapiens", "--port", str(port), "--workers", str(workers), "--state", state]
        print(f"race: netsapiens mock, {workers} worker(s), {state}, {racers} racers, {seconds}s of racing writers")
        with server(command, port):
            rounds, lost, resurrected, sample = asyncio.run(
                _race(f"http://127.0.0.1:{port}/ns-api/v2", seconds, racers)
            )
    print(f"race: {rounds} rounds, {lost} lost updates, {resurrected} resurrected deletes")
    for line in sample:
        print(f"  {line}")
    return 0 if rounds > 0 and lost == 0 and resurrected == 0 and not sample else 1


def soak(seconds: int, connections: int, workers: int) -> int:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="voxspec-soak-") as tmp:
        state = f"sqlite:{Path(tmp) / 'state.db'}"
        command = [str(VOXSPEC), "mock", "telphin", "--port", str(port), "--workers", str(workers), "--state", state]
        print(
            f"soak: telphin mock, {workers} worker(s), {state}, {connections} clients, {seconds}s of create/read/list"
        )
        with server(command, port):
            started = time.perf_counter()
            calls, errors, made, missing, sample = asyncio.run(
                _soak(f"http://127.0.0.1:{port}/api/ver1.0/extension/77", seconds, connections)
            )
            elapsed = time.perf_counter() - started
    print(
        f"soak: {calls} calls in {elapsed:.0f}s ({calls / elapsed:.0f}/s), {errors} errors, {made} created, "
        f"{len(missing)} created but not listed"
    )
    for line in sample:
        print(f"  {line}")
    return 0 if errors == 0 and not missing and made > 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers", default="1,2", help="voxspec mock worker counts to compare (default 1,2: one per core)"
    )
    parser.add_argument(
        "--control",
        choices=("off", "on", "both"),
        default="both",
        help="measure the mock without the control API, with it (one worker), or both interleaved (default)",
    )
    parser.add_argument("--prism", type=Path, default=PRISM, help="the prism command (default: make bench-mock's)")
    parser.add_argument("--soak", type=int, default=0, metavar="SECONDS", help="run the soak test instead")
    args = parser.parse_args()
    if args.soak:
        workers = max(int(n) for n in args.workers.split(","))
        mixed = soak(args.soak, args.connections, workers)
        return race(args.soak, max(args.connections // 4, 2), workers) or mixed
    counts = [int(n) for n in args.workers.split(",")]
    return compare(args.runs, args.seconds, args.connections, counts, args.control, args.prism)


if __name__ == "__main__":
    sys.exit(main())
