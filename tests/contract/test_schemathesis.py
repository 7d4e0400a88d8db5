"""Schemathesis fuzzes every vendor's generated server in-process with all checks.

Positive and negative data; the server must agree with its spec on every response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings

from tests.contract.fuzz import MAX_EXAMPLES, load
from tests.helpers import vendors


def _contract_test(vendor: str) -> Callable[..., None]:
    schema = load(vendor)

    @schema.parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def test(case: Any) -> None:
        case.call_and_validate()

    return test  # type: ignore[no-any-return]


for _vendor in vendors():
    globals()[f"test_{_vendor}_contract"] = _contract_test(_vendor)
print(f"schemathesis: up to {MAX_EXAMPLES} examples per operation and mode (positive and negative)")
