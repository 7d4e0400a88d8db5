"""The libyaml fast path of load reads exactly what ruamel reads, positions included, or declines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.fastyaml import fast_plain
from generator.load import MAX_DEPTH, read_with_ruamel

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*/openapi.yaml"))
CORPUS = sorted((ROOT / "tests").rglob("*.yaml"))


def same_reading(text: str) -> bool:
    """True when the fast path read text; fails the test when that reading differs from ruamel's."""
    fast = fast_plain(text, MAX_DEPTH)
    if fast is None:
        return False
    try:
        data, positions = read_with_ruamel(text, "spec.yaml")
    except SpecError as exc:
        pytest.fail(f"the fast path accepted a document ruamel refuses: {exc}")
    # JSON text tells 1 from 1.0 and True from 1, which == on dicts would not.
    assert json.dumps(fast[0]) == json.dumps(data)
    assert fast[1] == positions
    return True


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.parent.name)
def test_vendor_specs_read_as_ruamel_reads_them(path: Path) -> None:
    text = path.read_text("utf-8")
    if not same_reading(text):
        assert "&" in text, "only specs with anchors may need ruamel"


def test_every_yaml_file_in_the_tests_reads_the_same_or_is_declined() -> None:
    read = 0
    for path in CORPUS:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        read += same_reading(text)
    assert read >= 10, "the fast path read almost none of the test specs"


PLAIN = """openapi: 3.1.0
info: {title: "T", version: '1'}
paths:
  /a:
    get:
      parameters:
        - name: limit
          in: query
          schema: {type: integer, minimum: 0, maximum: 100, default: -5, multipleOf: 2.5}
      responses:
        200:
          description: |
            literal
            block
        '404':
          description: >
            folded
            text
list: [1, -2, 0.5, true, False, ~, null, "", 'x', -0, 10.0, yes, no, on]
empty:
"""


def test_plain_scalars_keys_and_block_styles_match_ruamel() -> None:
    assert same_reading(PLAIN)
    data = fast_plain(PLAIN, MAX_DEPTH)
    assert data is not None
    assert "200" in data[0]["paths"]["/a"]["get"]["responses"]
    assert data[0]["list"][-3:] == ["yes", "no", "on"]  # YAML 1.2, as ruamel reads it


@pytest.mark.parametrize(
    "text",
    [
        "a: 2020-12-01\n",  # a timestamp
        "a: 0o17\n",  # octal
        "a: 0x1F\n",  # hex
        "a: 1_000\n",  # underscores
        "a: .inf\n",
        "a: 1e3\n",  # an exponent
        "a: +7\n",  # a sign
        "a: &x {b: 1}\nc: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # explicit tags
        "a: 1\na: 2\n",  # duplicate keys: ruamel reports them
        "a: 1\n'a': 2\n",
        "? [a]\n: 1\n",  # a complex key
        "<<: {a: 1}\n",  # a merge key
        "%YAML 1.1\n---\na: yes\n",  # a directive changes the resolver
        "a: 1\n---\nb: 2\n",  # two documents
        "- a\n",  # not a mapping
        "a: [\n",  # a syntax error: ruamel words it
        "a: '\x07'\n",  # a character ruamel refuses
        "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
        'a: "\\ud800"\n',  # an unpaired surrogate
    ],
)
def test_the_fast_path_declines_what_it_does_not_read_exactly(text: str) -> None:
    assert fast_plain(text, MAX_DEPTH) is None
