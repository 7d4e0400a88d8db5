"""The load the mock benchmarks send stays what the specs accept: a spec change that makes the soak's or the
race's requests invalid must fail here, not turn `make soak-mock` into rounds of 400s."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from tests.helpers import ROOT, package

sys.path.insert(0, str(ROOT / "bench"))
import bench_mock


def test_the_racing_writers_create_update_and_delete_netsapiens_users() -> None:
    testing: Any = package("netsapiens", "testing")
    with testing.MockServer(listen=True) as mock:
        rounds, lost, resurrected, problems = asyncio.run(bench_mock._race(mock.base_url, 2, 2))
    assert problems == [] and rounds > 0, problems
    assert lost == 0 and resurrected == 0


def test_the_soak_creates_reads_and_lists_telphin_agents() -> None:
    testing: Any = package("telphin", "testing")
    with testing.MockServer(listen=True) as mock:
        calls, errors, made, missing, sample = asyncio.run(bench_mock._soak(f"{mock.base_url}/extension/77", 2, 2))
    assert errors == 0 and made > 0 and calls > made, sample
    assert missing == set()
