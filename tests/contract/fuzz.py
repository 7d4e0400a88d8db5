"""How the contract tests load a vendor's spec for schemathesis: the in-process app, every mode, our key.

Shared by the per-operation fuzzing and the stateful (OpenAPI links) runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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
    schema.hook(_wire_distinct_form_parts(package(vendor, "_mock").reads_as_json))
    return schema


def _wire_distinct_form_parts(reads_as_json: Callable[[str], bool]) -> Callable[[Any, Any], bool]:
    """A `filter_case` hook: drop cases whose multipart body has a string part the mock reads as JSON.

    A form part is text, so the string "null" and JSON null (which negative mode sends to break a string
    field's type) are the same bytes on the wire. The mock reads such text as JSON, so the negative cases
    are rejected as they should be; the rare positive case holding such a string would be misread, and is
    not sent. Everything else about the case (and every non-multipart case) is kept."""

    def filter_case(context: Any, case: Any) -> bool:
        if not str(case.media_type or "").startswith("multipart/") or not isinstance(case.body, dict):
            return True
        return not any(isinstance(v, str) and reads_as_json(v) for v in case.body.values())

    return filter_case
