"""Schemathesis fuzzes every vendor's generated server in-process with all checks.

Positive and negative data; the server must agree with its spec on every response.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from tests.helpers import ROOT, credentials, package, vendors

MAX_EXAMPLES = int(os.environ.get("VOXSPEC_FUZZ_EXAMPLES", "30"))


def _contract_test(vendor: str) -> Callable[..., None]:
    schema = schemathesis.openapi.from_path(ROOT / "specs" / vendor / "openapi.yaml")
    schema.app = package(vendor, "server").create_app()
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
    headers, query = credentials(vendor)

    @schema.parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def test(case: Any) -> None:
        case.call_and_validate(headers=headers, params=query or None)

    return test  # type: ignore[no-any-return]


for _vendor in vendors():
    globals()[f"test_{_vendor}_contract"] = _contract_test(_vendor)
print(f"schemathesis: up to {MAX_EXAMPLES} examples per operation and mode")
