"""x-voxspec-effects in the IR and the generated clients: an operation with effects is a write, never retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.build import build, read_effects
from generator.load import load, parse
from tests.helpers import ROOT
from tests.unit.specs import op, valid


def test_the_ir_carries_effects_and_an_operation_with_effects_is_a_write_never_retried() -> None:
    api = build(load(ROOT / "specs" / "callcenter" / "openapi.yaml", ROOT), "callcenter")
    ops = {o.op_id: o for o in api.operations}
    originate = ops["originate_call"]
    assert originate.method == "GET" and originate.effects and "phone call" in originate.effects
    assert originate.writes and not originate.idempotent
    assert ops["list_phone_lists"].effects is None and not ops["list_phone_lists"].writes
    assert ops["list_phone_lists"].idempotent
    assert ops["create_phone_list"].writes and ops["create_phone_list"].effects is None


def test_the_generated_client_docstring_says_what_the_operation_does() -> None:
    client = (ROOT / "generated" / "callcenter" / "voxspec_callcenter" / "client.py").read_text()
    doc = client.split("def originate_call(", 1)[1].split('"""', 2)[1]
    assert "Effects: places a real phone call" in doc and "Never retried automatically" in doc


def test_a_malformed_mark_is_an_error_not_read_as_no_effects() -> None:
    assert read_effects({"x-voxspec-effects": "  sends a\n fax "}) == "sends a fax"
    assert read_effects({}) is None
    for broken in ("", " ", True, {"what": "x"}):
        with pytest.raises(ValueError, match="non-empty string"):
            read_effects({"x-voxspec-effects": broken})
    data = valid()
    op(data)["x-voxspec-effects"] = "rings a bell"
    api = build(parse(json.dumps(data), "spec.json", Path("spec.json")), "tiny")
    assert api.operations[0].effects == "rings a bell" and not api.operations[0].idempotent
