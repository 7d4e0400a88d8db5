"""How the contract tests load a vendor's spec for schemathesis: the in-process app, every mode, our key.

Shared by the per-operation fuzzing and the stateful (OpenAPI links) runs.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis import GenerationMode
from schemathesis.config._auth import AuthConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.helpers import MOCK_KEY, ROOT, package

MAX_EXAMPLES = int(os.environ.get("VOXSPEC_FUZZ_EXAMPLES", "20"))
STATEFUL_EXAMPLES = int(os.environ.get("VOXSPEC_STATEFUL_EXAMPLES", "30"))
STATEFUL_STEPS = int(os.environ.get("VOXSPEC_STATEFUL_STEPS", "12"))


def load(vendor: str, app: Any | None = None) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(ROOT / "specs" / vendor / "openapi.yaml")
    schema.app = app if app is not None else package(vendor, "server").create_app()
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
    # Credentials go through schemathesis' auth config, so its negative cases can still drop them.
    schemes = package(vendor, "_spec").RUNTIME["security_schemes"]
    auth = {
        name: {"bearer": MOCK_KEY} if s["kind"] in ("bearer", "oauth2") else {"api_key": MOCK_KEY}
        for name, s in schemes.items()
        if s["kind"] != "basic"
    }
    schema.config.auth = AuthConfig(openapi=auth)
    return schema
