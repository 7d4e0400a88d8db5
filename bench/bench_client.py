"""Per-call overhead of a generated voxspec client against raw httpx and openapi-python-client.

All three send the same request over the same in-memory transport, which answers the spec's own
example, so the difference is client overhead: building the request, auth, checking the answer and
turning it into Python objects. The sync clients are measured, then the async ones (one event loop,
calls awaited one after another). Run by `make bench-client` (which builds the peer client under
.bench/); prints per-call medians over several rounds and the ratios, and exits 1 when a target is
missed, sync or async: at most 1.3x raw httpx, and faster than openapi-python-client.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://au.voipcloud.online"
PATH = "/api/integration/v1/get-user-calls"
KEY = "bench-key-0123456789"
PARAMS: dict[str, str | int] = {"from_date": "", "to_date": "", "limit": 100, "offset": 0, "users_names": ""}


class FixedTransport(httpx.BaseTransport):
    """Answers every request with the same JSON body, as cheaply as httpx allows."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        assert request.headers.get("token") == KEY and request.url.path == PATH
        return httpx.Response(200, content=self.body, headers={"content-type": "application/json"})


class FixedAsyncTransport(httpx.AsyncBaseTransport):
    """FixedTransport for the async clients."""

    def __init__(self, body: bytes) -> None:
        self.sync = FixedTransport(body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.sync.handle_request(request)


def voipcloud(module: str = "") -> Any:
    """The generated VoIPcloud package (or one of its modules), imported from generated/ as a user would."""
    if str(ROOT / "generated" / "voipcloud") not in sys.path:
        sys.path.insert(0, str(ROOT / "generated" / "voipcloud"))
    return importlib.import_module("voxspec_voipcloud" + (f".{module}" if module else ""))


def example_body(items: int) -> bytes:
    example = voipcloud("_spec").RUNTIME["operations"]["list_user_calls"]["responses"]["200"]["examples"][0]
    data = (example["data"] * items)[:items]
    return json.dumps({**example, "data": data}).encode()


def contenders(transport: httpx.BaseTransport, opc_path: Path) -> dict[str, Callable[[], Any]]:
    Client = voipcloud().Client

    raw = httpx.Client(base_url=BASE, transport=transport, headers={"token": KEY})

    def raw_call() -> Any:
        response = raw.get(PATH, params=PARAMS)
        response.raise_for_status()
        return response.json()["data"]

    voxspec = Client(token=KEY, transport=transport)
    out: dict[str, Callable[[], Any]] = {"raw httpx": raw_call, "voxspec": voxspec.list_user_calls}
    if opc_path.is_dir():
        sys.path.insert(0, str(opc_path.parent))
        package = __import__(opc_path.name, fromlist=["client"])
        api = __import__(f"{opc_path.name}.api.calls.list_user_calls", fromlist=["sync"])
        opc = package.client.Client(base_url=BASE, headers={"token": KEY}, httpx_args={"transport": transport})

        def opc_call() -> Any:
            return api.sync(client=opc).data

        out["openapi-python-client"] = opc_call
    return out


def async_contenders(transport: httpx.AsyncBaseTransport, opc_path: Path) -> dict[str, Callable[[], Awaitable[Any]]]:
    raw = httpx.AsyncClient(base_url=BASE, transport=transport, headers={"token": KEY})

    async def raw_call() -> Any:
        response = await raw.get(PATH, params=PARAMS)
        response.raise_for_status()
        return response.json()["data"]

    voxspec = voipcloud().AsyncClient(token=KEY, transport=transport)
    out: dict[str, Callable[[], Awaitable[Any]]] = {"raw httpx": raw_call, "voxspec": voxspec.list_user_calls}
    if opc_path.is_dir():
        package = __import__(opc_path.name, fromlist=["client"])
        api = __import__(f"{opc_path.name}.api.calls.list_user_calls", fromlist=["asyncio"])
        opc = package.client.Client(base_url=BASE, headers={"token": KEY}, httpx_args={"transport": transport})

        async def opc_call() -> Any:
            answer = await api.asyncio(client=opc)
            return answer.data

        out["openapi-python-client"] = opc_call
    return out


def synchronous(fn: Callable[[], Awaitable[Any]], loop: asyncio.AbstractEventLoop) -> Callable[[], Any]:
    """An async call as a plain one, for the warm-up and the result check."""
    return lambda: loop.run_until_complete(fn())


def per_call_us_async(fn: Callable[[], Awaitable[Any]], calls: int, loop: asyncio.AbstractEventLoop) -> float:
    async def run() -> None:
        for _ in range(calls):
            await fn()

    gc.collect()
    start = time.perf_counter()
    loop.run_until_complete(run())
    return (time.perf_counter() - start) / calls * 1e6


def per_call_us(fn: Callable[[], Any], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: make bench-client  (runs: .bench/openapi-python-client/bin/python bench/bench_client.py)",
    )
    parser.add_argument("--rounds", type=int, default=7, help="rounds; the median round is reported")
    parser.add_argument("--calls", type=int, default=2000, help="calls per contender per round")
    parser.add_argument("--items", type=int, default=20, help="calls in each answered page")
    parser.add_argument(
        "--opc", type=Path, default=ROOT / ".bench" / "opc_voipcloud", help="openapi-python-client package"
    )
    args = parser.parse_args(argv)

    body = example_body(args.items)
    runs = contenders(FixedTransport(body), args.opc)
    ok = compare("sync", runs, {name: partial(per_call_us, fn) for name, fn in runs.items()}, args)
    loop = asyncio.new_event_loop()
    try:
        waits = async_contenders(FixedAsyncTransport(body), args.opc)
        plain = {name: synchronous(fn, loop) for name, fn in waits.items()}
        timers = {name: partial(per_call_us_async, fn, loop=loop) for name, fn in waits.items()}
        ok = compare("async", plain, timers, args) and ok
    finally:
        loop.close()
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def compare(
    kind: str, runs: Mapping[str, Callable[[], Any]], timers: Mapping[str, Callable[[int], float]], args: Any
) -> bool:
    """Warm up, time each contender over interleaved rounds, print medians and ratios; whether targets hold."""
    for name, fn in runs.items():
        result = fn()
        assert len(result) == args.items, f"{name} returned {len(result)} items"
        timers[name](args.calls // 10)  # warm-up
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(args.rounds):
        order = list(runs) if round_ % 2 == 0 else list(reversed(list(runs)))  # no contender always goes first
        for name in order:
            samples[name].append(timers[name](args.calls))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(
        f"voipcloud list_user_calls ({kind} clients), {args.items} items a page, "
        f"median of {args.rounds} rounds x {args.calls} calls"
    )
    for name, value in medians.items():
        print(f"  {name:<24} {value:8.1f} us/call   (rounds: {', '.join(f'{v:.1f}' for v in samples[name])})")
    ok = True
    vs_raw = medians["voxspec"] / medians["raw httpx"]
    print(f"  voxspec / raw httpx             = {vs_raw:.2f}x  (target <= 1.30x)")
    ok &= vs_raw <= 1.30
    if "openapi-python-client" in medians:
        vs_opc = medians["voxspec"] / medians["openapi-python-client"]
        print(f"  voxspec / openapi-python-client = {vs_opc:.2f}x  (target < 1.00x)")
        ok &= vs_opc < 1.0
    else:
        print(f"  openapi-python-client not found at {args.opc}; run `make bench-client`")
        ok = False
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
