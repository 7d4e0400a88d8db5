"""How the contract tests load a vendor's spec for schemathesis: the in-process app, every mode, our key.

Shared by the per-operation fuzzing and the stateful (OpenAPI links) runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import jsonschema
import schemathesis
from schemathesis import GenerationMode
from schemathesis.config import ProjectConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.helpers import MOCK_KEY, ROOT, package

MAX_EXAMPLES = int(os.environ.get("VOXSPEC_FUZZ_EXAMPLES", "20"))
# 60 scenarios: the specs now link more resources, and 30 left NetSapiens with about 24 reads by id a run.
STATEFUL_EXAMPLES = int(os.environ.get("VOXSPEC_STATEFUL_EXAMPLES", "60"))
STATEFUL_STEPS = int(os.environ.get("VOXSPEC_STATEFUL_STEPS", "12"))


# The mock refuses a URL over 8 KB with 414, as the vendors' front servers do, and no spec documents that answer;
# tests/mock/test_limits.py holds the mock to it. Fuzzed query arrays pass 8 KB by chance (a Telphin registration
# list with 60 long `extension_id` values), and the contract runs check the operation, not the front server's
# limit: their mock takes URLs of any length the test client sends.
CONTRACT_MAX_URL = 1024 * 1024


def contract_app(vendor: str) -> Any:
    """The vendor's mock as the contract runs fuzz it."""
    config = package(vendor, "_mock").MockConfig(max_url=CONTRACT_MAX_URL)
    return package(vendor, "server").create_app(config=config)


def load(vendor: str, app: Any | None = None) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(ROOT / "specs" / vendor / "openapi.yaml")
    schema.app = app if app is not None else contract_app(vendor)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
    # Credentials go through schemathesis' auth config, so its negative cases can still drop them.
    schemes = package(vendor, "_spec").RUNTIME["security_schemes"]
    auth = {
        name: {"bearer": MOCK_KEY} if s["kind"] in ("bearer", "oauth2") else {"api_key": MOCK_KEY}
        for name, s in schemes.items()
        if s["kind"] != "basic"
    }
    schema.config.auth = ProjectConfig.from_dict({"auth": {"openapi": auth}}).auth
    schema.hook(wire_distinct_cases(package(vendor, "_mock").reads_as_json, package(vendor, "_spec").RUNTIME))
    return schema


def wire_distinct_cases(reads_as_json: Callable[[str], bool], runtime: dict[str, Any]) -> Callable[[Any, Any], bool]:
    """A `filter_case` hook that keeps only cases whose bytes on the wire mean what the case says they mean.

    Three kinds are not sent, because no server can tell them apart from other requests:
    - a multipart string part the mock reads as JSON: the string "null" and JSON null (which negative mode
      sends to break a string field's type) are the same bytes, and the mock reads them as JSON;
    - a negative case whose query "violation" is invisible on the wire: an object exploded into `key=value`
      pairs (the object {"page": 0} is sent as `page=0`), or a null, number or boolean where the parameter
      (or its array items) takes any string, which `null`, `12` or `true` then is;
    - a negative case whose only negative part is a body the request schema accepts: negative mode mutates one
      branch of an `anyOf`, and the value may fit another (a 15-digit integer for Telphin's fax `dst_num`,
      which takes digits as a string or as a number), so the server rightly answers 2xx.
    Everything else about the case, and every other case, is kept."""
    query_params = {
        (op["method"], op["path"]): {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
        for op in runtime["operations"].values()
    }
    bodies = {
        (op["method"], op["path"]): op["body"]["content"] for op in runtime["operations"].values() if op.get("body")
    }

    validators: dict[tuple[str, str, str], jsonschema.Draft202012Validator] = {}

    def body_accepted(case: Any) -> bool:
        negative = {place for place, info in case.meta.components.items() if info.mode == GenerationMode.NEGATIVE}
        if negative != {ParameterLocation.BODY} or not isinstance(case.body, dict | list):
            return False
        key = (case.method.upper(), case.path, str(case.media_type))
        if key not in validators:
            schema = bodies.get(key[:2], {}).get(key[2])
            if schema is None:
                return False
            validators[key] = jsonschema.Draft202012Validator(schema)  # resolved by build: no $ref left
        body = case.body
        if isinstance(body, dict):
            # A binary part takes any bytes; the schema's `format: binary` describes them and asserts nothing.
            body = {k: "" if isinstance(v, bytes) else v for k, v in body.items()}
        return bool(validators[key].is_valid(body))

    def takes_strings(schema: Any) -> bool:
        item = schema.get("items", {}) if schema.get("type") == "array" else schema
        kinds = item.get("type")
        return kinds == "string" or (isinstance(kinds, list) and "string" in kinds)

    def filter_case(context: Any, case: Any) -> bool:
        if str(case.media_type or "").startswith("multipart/") and isinstance(case.body, dict):
            if any(isinstance(v, str) and reads_as_json(v) for v in case.body.values()):
                return False
        if case.meta is None or case.meta.generation.mode != GenerationMode.NEGATIVE:
            return True
        if body_accepted(case):
            return False
        params = query_params.get((case.method.upper(), case.path), {})
        for name, value in (case.query or {}).items():
            if isinstance(value, dict):
                return False
            scalar = value is None or isinstance(value, int | float)  # booleans too: they are ints
            if scalar and name in params and takes_strings(params[name]):
                return False
        return True

    return filter_case
