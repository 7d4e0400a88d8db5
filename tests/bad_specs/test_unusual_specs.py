"""Valid but unusual specs: `generate` renders them, or refuses with a file:line finding, never an internal error."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import render
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
    inner = {"x": {"type": "string"}}
    doc["components"]["schemas"]["Thing"]["properties"]["in"] = {"type": "object", "properties": inner}
    doc["components"]["schemas"]["Thing"]["properties"]["schema"] = {"type": "string"}


def _keyword_operation_id(doc: Spec) -> None:
    op(doc)["operationId"] = "import"


# Text that ends or breaks a Python string when pasted into one: docstring terminators, a lone trailing quote or
# backslash, escapes and control characters.
HOSTILE_TEXT = 'ends in three quotes """'
HOSTILE_TEXTS = (
    HOSTILE_TEXT,
    'a """ inside, then a trailing quote "',
    "a backslash at the end \\",
    "escapes \\n \\x41 \\N{BULLET} and a form feed \f",
    "''' single quotes too '''",
    '""""',
)


def _docstring_terminators(doc: Spec) -> None:
    """Every spec text that becomes a docstring, or part of one, ends in or holds a docstring terminator."""
    doc["info"]["title"] = HOSTILE_TEXTS[1]
    doc["info"]["version"] = HOSTILE_TEXTS[2]
    doc["info"]["description"] = HOSTILE_TEXTS[3]
    op(doc)["summary"] = HOSTILE_TEXT
    op(doc)["description"] = HOSTILE_TEXTS[4]
    op(doc)["parameters"][1]["description"] = HOSTILE_TEXTS[5]
    thing = doc["components"]["schemas"]["Thing"]
    thing["description"] = HOSTILE_TEXT
    thing["properties"]["name"]["description"] = HOSTILE_TEXTS[1]


# name -> (change, expected exit status of generate)
CASES: dict[str, tuple[Callable[[Spec], None], int]] = {
    "boolean_parameter_schema": (_boolean_parameter_schema, 0),
    "boolean_form_body_schema": (_boolean_form_body_schema, 0),
    "boolean_error_schema": (_boolean_error_schema, 0),
    "property_named_in": (_property_named_in, 0),
    "keyword_operation_id": (_keyword_operation_id, 1),
    "docstring_terminators": (_docstring_terminators, 0),
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


def test_docstring_terminators_read_back_as_the_spec_wrote_them(tmp_path: Path) -> None:
    data = valid()
    _docstring_terminators(data)
    spec = tmp_path / "specs" / "tiny" / "openapi.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps(data, indent=1), encoding="utf-8")
    assert main(["--root", str(tmp_path), "generate"]) == 0
    package = tmp_path / "generated" / "tiny" / "voxspec_tiny"
    docstrings = []
    for module in sorted(package.glob("*.py")):
        tree = ast.parse(module.read_text("utf-8"), str(module))  # a broken docstring is a SyntaxError here
        docstrings += [
            ast.get_docstring(node, clean=False) or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        ]
    text = "\n".join(docstrings)
    for hostile in (HOSTILE_TEXT, HOSTILE_TEXTS[1], HOSTILE_TEXTS[4]):
        assert hostile in text, f"{hostile!r} does not read back from any docstring"


def test_code_ruff_cannot_format_is_reported_at_its_file_line_and_spec_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the docstring escaping switched off, a summary ending in three quotes breaks the client module:
    the finding names the vendor, the generated file and line, and sits at the operation's place in the spec."""
    monkeypatch.setattr(render, "_docstring", str.strip)
    monkeypatch.setitem(render.package_environment().filters, "docstring", str.strip)
    data = valid()
    op(data)["summary"] = HOSTILE_TEXT
    spec = tmp_path / "specs" / "tiny" / "openapi.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps(data, indent=1), encoding="utf-8")
    assert main(["--root", str(tmp_path), "generate"]) == 1
    out = capsys.readouterr().out
    finding = re.match(
        r"^specs/tiny/openapi\.yaml:(\d+):\d+ /paths/~1things~1\{id\}/get: vendor tiny: "
        r"generated/tiny/voxspec_tiny/(client|server)\.py:(\d+): generated code is not valid Python \(in get_thing\)",
        out,
    )
    assert finding, out
    assert int(finding.group(1)) > 1 and int(finding.group(3)) > 1
    assert not (tmp_path / "generated").exists()
