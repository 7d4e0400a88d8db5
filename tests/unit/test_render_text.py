"""Text from a spec (titles, versions, summaries) cannot break the generated Python or TOML."""

from __future__ import annotations

import ast
import json
import tomllib

import pytest

from generator.build import build
from generator.load import parse
from generator.render import render
from tests.unit.specs import valid

HOSTILE = [
    'Evil """ API',
    'Quoted "API"',
    "Back\\slash API \\",
    "Bell\x07 and\ttab API",
    "Multi\nline API",
    "'''single''' API",
]


@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_any_title_and_version_leave_valid_python_and_toml(title: str) -> None:
    spec = valid()
    spec["info"]["title"] = title
    spec["info"]["version"] = '1.0 """'
    spec["paths"]["/things/{id}"]["get"]["summary"] = f'Get a "{title}"'
    files = render(build(parse(json.dumps(spec), "specs/tiny/openapi.yaml"), "tiny"))
    for name, data in files.items():
        if name.endswith(".py"):
            tree = ast.parse(data.decode(), filename=name)  # a SyntaxError fails the test
            doc = ast.get_docstring(tree, clean=False) or ""
            if name.endswith(("__init__.py", "client.py", "server.py", "models.py")) and "/_mock/" not in name:
                # the docstring reads back as the title itself, not an escaped or truncated form
                assert title.strip() in doc, (name, doc)
    pyproject = tomllib.loads(files["pyproject.toml"].decode())
    assert " ".join(title.split()) in pyproject["project"]["description"]
