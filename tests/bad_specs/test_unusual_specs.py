"""Valid but unusual specs: `generate` renders them, or refuses with a file:line finding, never an internal error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from tests.unit.specs import op, valid

Spec = dict[str, Any]


def _boolean_parameter_schema(doc: Spec) -> None:
    op(doc)["parameters"][1]["schema"] = True


def _boolean_form_body_schema(doc: Spec) -> None:
    op(doc)["requestBody"] = {"content": {"application/x-www-form-urlencoded": {"schema": True}}}


def _boolean_error_schema(doc: Spec) -> None:
    """A 400 with the schema `true` comes first, so the error shape is looked for in it."""
    responses = op(doc)["responses"]
    bad = {"description": "bad", "content": {"application/json": {"schema": True, "example": {}}}}
    op(doc)["responses"] = {"200": responses["200"], "400": bad, "404": responses["404"]}


def _property_named_in(doc: Spec) -> None:
    doc["components"]["schemas"]["Thing"]["properties"]["in"] = {"type": "object", "properties": {"x": {}}}
    doc["components"]["schemas"]["Thing"]["properties"]["schema"] = {"type": "string"}


def _keyword_operation_id(doc: Spec) -> None:
    op(doc)["operationId"] = "import"


# name -> (change, expected exit status of generate)
CASES: dict[str, tuple[Callable[[Spec], None], int]] = {
    "boolean_parameter_schema": (_boolean_parameter_schema, 0),
    "boolean_form_body_schema": (_boolean_form_body_schema, 0),
    "boolean_error_schema": (_boolean_error_schema, 0),
    "property_named_in": (_property_named_in, 0),
    "keyword_operation_id": (_keyword_operation_id, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unusual_spec_generates_or_says_where(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change, expected = CASES[name]
    data = valid()
    change(data)
    spec = tmp_path / "specs" / "tiny" / "openapi.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps(data, indent=1), encoding="utf-8")
    status = main(["--root", str(tmp_path), "generate"])
    out, err = capsys.readouterr()
    assert status == expected, err
    for line in out.splitlines():
        assert re.match(r"^specs/tiny/openapi\.yaml:\d+:\d+ /", line), line
