"""The generated packages read well: docstrings keep their indentation, tables name their fields, and
model classes are named, not numbered."""

from __future__ import annotations

import ast
import re

import pytest

from tests.client.harness import VENDORS
from tests.helpers import GENERATED, package

TABLE_CLASSES = {"Operation", "Envelope", "Paging", "Scheme", "ErrorShape"}


@pytest.mark.parametrize("name", VENDORS)
def test_client_docstrings_keep_one_indentation(name: str) -> None:
    client = package(name, "client")
    for cls in (client.Client, client.AsyncClient):
        body = (cls.__doc__ or "").splitlines()[1:]
        off = [line for line in body if line.strip() and (not line.startswith("    ") or line.startswith("     "))]
        assert off == [], f"{name}.{cls.__name__}: lines off the docstring's indentation"


@pytest.mark.parametrize("name", VENDORS)
def test_the_operation_table_names_every_field(name: str) -> None:
    tree = ast.parse((GENERATED / name / f"voxspec_{name}" / "client.py").read_text("utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TABLE_CLASSES
    ]
    assert calls, "the module builds its tables"
    positional = [f"line {node.lineno}: {node.func.id}" for node in calls if node.args]  # type: ignore[attr-defined]
    assert positional == []


@pytest.mark.parametrize("name", VENDORS)
def test_model_classes_are_named_not_numbered(name: str) -> None:
    models = package(name, "models")
    numbered = [
        key
        for key, value in vars(models).items()
        if isinstance(value, type) and value.__module__ == models.__name__ and re.search(r"\d$", key)
    ]
    assert numbered == []


def test_an_inline_enum_is_named_after_its_owner_and_property() -> None:
    models = package("telphin", "models")
    assert models.AgentCreate.model_fields["status"].annotation == models.AgentCreateStatus | None
    assert {m.value for m in models.AgentCreateStatus} == {"logged_out", "available"}
