"""`voxspec contract <vendor>` with no --base-url starts the vendor's mock, and every mock passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract_cmd.helpers import contract
from tests.helpers import vendors

BUDGET = 24


@pytest.mark.parametrize("vendor", vendors())
def test_mock_passes_within_budget(vendor: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = contract(capsys, tmp_path, vendor, "--max-requests", str(BUDGET), "--seed", "7")
    assert outcome.status == 0, outcome.out[-3000:]
    assert outcome.report["passed"] is True
    assert 0 < outcome.report["requests_sent"] <= BUDGET
    ran = [op for op in outcome.report["operations"] if not op["not_run"]]
    assert ran and all(op["responses"] >= 1 for op in ran)
    assert all(m in ("GET", "HEAD") for m in (op["method"] for op in outcome.report["plan"]["operations"]))
    # The plan comes first, before any progress or result line.
    assert outcome.out.index("plan for http://127.0.0.1:") < outcome.out.index("results against")
    assert 'failures="0"' in outcome.junit and "Traceback" not in outcome.out + outcome.err
