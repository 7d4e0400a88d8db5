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
from schemathesis.config._auth import AuthConfig

from tests.helpers import MOCK_KEY, ROOT, package, vendors

MAX_EXAMPLES = int(os.environ.get("VOXSPEC_FUZZ_EXAMPLES", "20"))


def _contract_test(vendor: str) -> Callable[..., None]:
    schema = schemathesis.openapi.from_path(ROOT / "specs" / vendor / "openapi.yaml")
    schema.app = package(vendor, "server").create_app()
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
    # Credentials go through schemathesis' auth config, so its negative cases can still drop them.
    schemes = package(vendor, "_spec").RUNTIME["security_schemes"]
    auth = {
        name: {"bearer": MOCK_KEY} if s["kind"] in ("bearer", "oauth2") else {"api_key": MOCK_KEY}
        for name, s in schemes.items()
        if s["kind"] != "basic"
    }
    schema.config.auth = AuthConfig(openapi=auth)

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
print(f"schemathesis: up to {MAX_EXAMPLES} examples per operation and mode")
