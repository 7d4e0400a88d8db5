"""The mock as a test double: how long `MockServer()` (what the `voxspec_mock` fixture starts) takes to start
in-process, and what the control API costs the mock's hot path.

Prints the median start time against its target (300 ms) and the CPU time per request of an in-process loop
with the control API off and on (interleaved runs, medians). Exits 1 when the start misses its target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

from _common import ROOT

TARGET_START_MS = 300.0
VENDOR = "telphin"
PATH = "/api/ver1.0/extension/registration/"
HEADERS = [(b"authorization", b"Bearer voxspec-mock-key")]


def _package(module: str) -> Any:
    import importlib

    folder = str(ROOT / "generated" / VENDOR)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(f"voxspec_{VENDOR}.{module}")


def start_ms() -> float:
    testing = _package("testing")
    began = time.perf_counter()
    with testing.MockServer():
        elapsed = time.perf_counter() - began
    return elapsed * 1000


async def _loop(app: Any, requests: int) -> None:
    """Requests straight into the ASGI app: no client or socket, so the mock's own work is what is measured."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": HEADERS,
        "client": ("127.0.0.1", 50000),
        "server": ("mock", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(requests):
        await app(dict(scope), receive, send)
    assert set(statuses) == {200}, set(statuses)


def cpu_us_per_request(control: bool, requests: int) -> float:
    mock, server = _package("_mock"), _package("server")
    app = server.create_app(config=mock.MockConfig(control=control))
    asyncio.run(_loop(app, 200))  # warm the memos and the validators
    began = time.process_time()
    asyncio.run(_loop(app, requests))
    return (time.process_time() - began) / requests * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    _package("testing")  # the import (models, client) is paid once per process, as in a test session
    starts = [start_ms() for _ in range(args.runs)]
    off: list[float] = []
    on: list[float] = []
    for _ in range(args.runs):
        off.append(cpu_us_per_request(False, args.requests))
        on.append(cpu_us_per_request(True, args.requests))
    start = statistics.median(starts)
    print(f"MockServer() start, in-process ({VENDOR}): median {start:.0f} ms (target < {TARGET_START_MS:.0f} ms)")
    print(
        f"hot path, CPU per request over {args.requests} GETs: control off {statistics.median(off):.0f} us, "
        f"control on {statistics.median(on):.0f} us (ratio {statistics.median(on) / statistics.median(off):.2f})"
    )
    return 0 if start < TARGET_START_MS else 1


if __name__ == "__main__":
    sys.exit(main())
