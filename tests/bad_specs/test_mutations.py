"""Property test: valid specs broken at random the corpus's ways never make validate raise.

Each example applies one to three mutations to the VoIPcloud spec or the golden fixture (delete a key,
change a value's type, duplicate an operationId, break a $ref, insert invalid UTF-8, truncate the text),
then runs load, validate and lint directly (so a failure shows its traceback) and the CLI (for its status).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import Finding, SpecError
from generator.lint import lint
from generator.load import load, parse, walk
from generator.openapi import DocumentIndex, operations
from generator.pointer import unescape
from generator.validate import validate

ROOT = Path(__file__).resolve().parents[2]
BASES = {
    name: parse((ROOT / path).read_text(encoding="utf-8"), path).data
    for name, path in (("voipcloud", "specs/voipcloud/openapi.yaml"), ("tiny", "tests/golden/spec/openapi.yaml"))
}
OTHER_VALUES: list[Any] = [None, True, 0, -1, 2.5, "", "text", [], ["a", 1], {}, {"a": {"b": None}}]
BAD_BYTES = [b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82", b"\xfe\xfe"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _containers(data: Any) -> list[tuple[str, Any]]:
    return [(p, n) for p, n in walk(data) if isinstance(n, dict | list) and n]


def _delete_key(data: Any, draw: st.DrawFn) -> None:
    mappings = [n for _p, n in _containers(data) if isinstance(n, dict)]
    node = draw(st.sampled_from(mappings))
    del node[draw(st.sampled_from(sorted(node)))]


def _change_type(data: Any, draw: st.DrawFn) -> None:
    node = draw(st.sampled_from([n for _p, n in _containers(data)]))
    key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
    old = node[key]
    node[key] = copy.deepcopy(draw(st.sampled_from([v for v in OTHER_VALUES if type(v) is not type(old)])))


def _duplicate_operation_id(data: Any, draw: st.DrawFn) -> None:
    ops = list(operations(data))
    if not ops:
        return
    first = draw(st.sampled_from(ops))
    if len(ops) == 1:
        data["paths"]["/copy"] = {"get": copy.deepcopy(first.node)}
        return
    second = draw(st.sampled_from([o for o in ops if o is not first]))
    second.node["operationId"] = first.node.get("operationId")


def _break_ref(data: Any, draw: st.DrawFn) -> None:
    owners = [n for _p, n in walk(data) if isinstance(n, dict) and "$ref" in n]
    if not owners:
        return
    node = draw(st.sampled_from(owners))
    own = node["$ref"]
    node["$ref"] = draw(
        st.sampled_from(["#/components/schemas/Missing", "other.yaml#/x", "#", "#/paths", f"{own}/deeper", 7, None])
    )
    if draw(st.booleans()) and isinstance(own, str) and own.startswith("#/components/"):
        with contextlib.suppress(KeyError, TypeError, IndexError):  # make the target refer back: a loop
            target = data
            for token in own[2:].split("/"):
                target = target[unescape(token)]
            if isinstance(target, dict):
                target["$ref"] = own


DATA_MUTATIONS = {
    "delete-key": _delete_key,
    "change-type": _change_type,
    "duplicate-operation-id": _duplicate_operation_id,
    "break-ref": _break_ref,
}


@st.composite
def broken_specs(draw: st.DrawFn) -> bytes:
    data = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for name in draw(st.lists(st.sampled_from(sorted(DATA_MUTATIONS)), min_size=0, max_size=3)):
        DATA_MUTATIONS[name](data, draw)
    raw = json.dumps(data, indent=1, ensure_ascii=False).encode()
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from(BAD_BYTES)) + raw[at:]
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


def _check(finding: Finding, display: str) -> None:
    assert finding.file == display and finding.line >= 1 and finding.col >= 1, str(finding)
    assert str(finding).startswith(f"{display}:{finding.line}:{finding.col} "), str(finding)


@given(broken_specs())
@SETTINGS
def test_validate_never_raises_and_every_finding_has_a_line(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        spec = root / "specs" / "v" / "openapi.yaml"
        spec.parent.mkdir(parents=True)
        spec.write_bytes(content)
        display = "specs/v/openapi.yaml"
        try:
            doc = load(spec, root)
        except SpecError as exc:
            findings, expected = list(exc.findings), 2
        else:
            index = DocumentIndex(doc)
            findings = validate(doc, index) + lint(doc, index)
            expected = 1 if findings else 0
        for finding in findings:
            _check(finding, display)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["--root", str(root), "validate", str(spec)])
        assert status == expected, err.getvalue()
        assert "Traceback" not in out.getvalue() + err.getvalue()
