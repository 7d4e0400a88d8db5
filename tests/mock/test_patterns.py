"""Schema patterns are ECMA-262 regular expressions (JSON Schema says so); the mock reads them that way, not as
Python's `re` would, so a value the spec allows is never refused and one it refuses is never taken."""

from __future__ import annotations

import jsonschema_rs
import pytest

from generator.mock.patterns import compiled
from tests.helpers import MOCK_KEY
from tests.mock.test_behaviour import client


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        # \S: U+001C-U+001F are not space in ECMA (Python's str.isspace says they are); U+00A0 and U+FEFF are
        (r"^\S+:[0-9]{1,5}$", "\u0104\u00d3\x1e\U0001f60d\x92\u00dc<\x12:4", True),
        (r"^\S+:[0-9]{1,5}$", "a\u00a0b:5060", False),
        (r"^\S+:[0-9]{1,5}$", "\ufeffhost:5060", False),
        (r"^[^\s]+$", "a\u2028b", False),
        (r"^[^\s]+$", "a\x1fb", True),
        # $ is the end of the string, not "before a final newline"
        (r"^[0-9]{4,16}$", "1234\n", False),
        (r"^[0-9]{4,16}$", "1234", True),
        # \d and \w are ASCII
        (r"^[0-9]+(,[0-9]+)*$", "1,2", True),
        (r"^\d+$", "\u0663", False),
        (r"^\w+$", "\u00e9", False),
        # . is anything but a newline, as jsonschema-rs (and so schemathesis) reads it
        (r"^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z]).{8,}$", "Abcdefg1", True),
        (r"^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z]).{8,}$", "Abc\rdefg1", True),
        (r"^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z]).{8,}$", "Abc\ndefg1", False),
        (r"^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z]).{8,}$", "Abc\u00e9defg1", True),
        # escaped and in-class characters keep their literal meaning
        (r"^a\.b\$$", "a.b$", True),
        (r"^a\.b\$$", "axb$", False),
        (r"^[.$]+$", ".$", True),
        (r"^https?://[^ ]+$", "https://example.com/x", True),
    ],
)
def test_a_pattern_means_what_ecma_262_says(pattern: str, value: str, matches: bool) -> None:
    assert bool(compiled(pattern).search(value)) is matches
    # and what jsonschema-rs, the validator schemathesis and the proxy check values with, says
    assert jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value) is matches


@pytest.mark.parametrize(
    "char", ["\x1c", "\x1e", "\x85", "\xa0", "\u1680", "\u2028", "\u2029", "\ufeff", "\r", "\n", "\t"]
)
@pytest.mark.parametrize("pattern", [r"^\s$", r"^\S$", r"^.$", r"^[^\s]$", r"^a\sb$"])
def test_each_white_space_and_line_break_reads_as_jsonschema_rs_reads_it(pattern: str, char: str) -> None:
    value = f"a{char}b" if pattern.startswith("^a") else char
    expected = jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)
    assert bool(compiled(pattern).search(value)) is expected


def test_a_value_the_pattern_allows_in_ecma_is_accepted_by_the_mock() -> None:
    """Found by schemathesis: `^\\S+:[0-9]{1,5}$` with a U+001E in the address was answered 400."""
    api = client("telphin")
    headers = {"Authorization": f"Bearer {MOCK_KEY}"}
    body = {"static_reg_address": "\u0104\u00d3\x1e\U0001f60d\x92\u00dc<\x12:4"}
    answer = api.put("/api/ver1.0/extension/17/phone/", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    refused = api.put("/api/ver1.0/extension/17/phone/", headers=headers, json={"static_reg_address": "pbx:5060\n"})
    assert refused.status_code == 400 and "static_reg_address" in refused.text


def test_the_proxy_reads_patterns_as_the_mock_does() -> None:
    from generator.build import build
    from generator.load import load
    from generator.proxy.check import IrSpec
    from tests.helpers import ROOT

    spec = IrSpec(build(load(ROOT / "specs/telphin/openapi.yaml", ROOT), "telphin"))
    schema = {"type": "string", "pattern": r"^\S+:[0-9]{1,5}$"}
    assert spec.validator(schema).is_valid("pbx\x1e:5060")
    assert not spec.validator(schema).is_valid("pbx:5060\n")


def test_the_mock_package_gives_each_name_it_exports_and_patterns_alone_loads_no_pipeline() -> None:
    """The mock resolves its exported names on first use: each one resolves, and a reader of patterns (lint) gets
    it without the request pipeline's imports."""
    import subprocess
    import sys

    from generator import mock

    assert all(getattr(mock, name) is not None for name in mock.__all__)
    with pytest.raises(AttributeError):
        _ = mock.DEFAULT_KEY  # defined in runtime, but not exported
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, generator.mock.patterns; print('generator.mock.runtime' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
