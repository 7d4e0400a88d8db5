"""Text from a spec (titles, versions, summaries) cannot break the generated Python or TOML."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest

from generator.build import build
from generator.load import parse
from generator.render import pretty_json, render
from tests.helpers import ROOT
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


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [1, 2.5, -0.0, 1e300, True, False, None, "x"]},
        {"é": 'ü\u2028"\\\n\t\x00', "n": [[{"deep": [{}]}]]},
        {"nan": float("nan")},  # not plain JSON: json.dumps decides
        {1: "an int key"},
        {"t": (1, 2)},
        "just text",
        12,
    ],
)
def test_pretty_json_is_json_dumps_with_indent_1(value: object) -> None:
    assert pretty_json(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_every_runtime_file_is_pretty_json_of_its_data() -> None:
    for path in sorted((ROOT / "generated").glob("*/voxspec_*/_spec.json")):
        text = path.read_text("utf-8")
        assert pretty_json(json.loads(text)) + "\n" == text, path


def test_templates_render_whatever_becomes_of_their_compiled_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled-template cache only saves time: a folder it cannot write to, or none to be had, changes no
    output and raises nothing."""
    import tempfile

    from generator import render as render_module

    api = build(parse(json.dumps(valid()), "spec.json", ROOT / "spec.json"), "tiny")
    expected = render(api, render_module.environment())
    unwritable = render_module.environment()
    unwritable.bytecode_cache = render_module._TemplateCache(str(tmp_path / "no-such-folder"))
    assert render(api, unwritable) == expected
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(not_a_folder))
    assert render_module._template_cache.__wrapped__() is None
