"""Our specs hold to the vendors' own published OpenAPI documents (see tests/specs/published.py).

One case per operation, so a failure names the operation: each operation both documents have agrees
on property names and JSON types, each published operation we must have is there, each operation
only we have says why. Every difference may instead be covered by a recorded decision that names the
published document. `python -m tests.specs.published <vendor>` prints the same findings in full.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tests.specs import published
from tests.specs.published import PUBLISHED, Agreement, Doc, label

Key = tuple[str, str]
THRESHOLD = 0.98  # the share of our declared properties that must agree with the vendor's schema


@cache
def agreement(vendor: str) -> Agreement:
    return published.agreement(vendor)


def _unavailable(vendor: str) -> Any:
    reason = f"{published.reference_path(vendor)} is absent (CI has it; set VOXSPEC_VENDOR_REFERENCES)"
    return pytest.param(vendor, ("", ""), id=f"{vendor}-no-reference", marks=pytest.mark.skip(reason=reason))


def _cases(pick: str) -> list[Any]:
    out: list[Any] = []
    for vendor in sorted(PUBLISHED):
        if not published.available(vendor):
            out.append(_unavailable(vendor))
            continue
        result = agreement(vendor)
        keys = {"matched": result.matched, "required": result.required(), "ours-only": result.ours_only}[pick]
        named = result.ours if pick == "ours-only" else result.theirs
        out += [pytest.param(vendor, key, id=f"{vendor}:{named[key].label}") for key in keys]
    return out


@pytest.mark.parametrize("vendor", sorted(PUBLISHED))
def test_agreement_figures(vendor: str) -> None:
    if not published.available(vendor):
        pytest.skip(f"{published.reference_path(vendor)} is absent (CI has it; set VOXSPEC_VENDOR_REFERENCES)")
    result = agreement(vendor)
    print(result.figures())
    assert result.matched, f"no operation of {vendor} matches the published document: {result.figures()}"
    assert result.share >= THRESHOLD, f"below {THRESHOLD:.0%}: {result.figures()}"


@pytest.mark.parametrize(("vendor", "key"), _cases("matched"))
def test_operation_agrees_with_published(vendor: str, key: Key) -> None:
    report = agreement(vendor).reports[key]
    assert not report.open, f"{label(key)} differs from {PUBLISHED[vendor].document}:\n" + "\n".join(
        str(d) for d in report.open
    )


@pytest.mark.parametrize(("vendor", "key"), _cases("required"))
def test_published_operation_is_modelled(vendor: str, key: Key) -> None:
    result = agreement(vendor)
    theirs = result.theirs[key]
    assert key in result.ours or result.omission_covers(key), (
        f"{theirs.label} {list(theirs.tags)} of {result.published.document} is neither in specs/{vendor}/openapi.yaml"
        f" nor in its {published.OMITTED} with a decision naming the document"
    )


@pytest.mark.parametrize(("vendor", "key"), _cases("ours-only"))
def test_unpublished_operation_says_why(vendor: str, key: Key) -> None:
    result = agreement(vendor)
    assert result.ours_only_covered(key), (
        f"{result.ours[key].label} is not in {result.published.document};"
        f" its x-voxspec-decision must say why, naming the document"
    )


@pytest.mark.parametrize("vendor", sorted(PUBLISHED))
def test_omissions_are_current(vendor: str) -> None:
    """Each x-voxspec-omitted entry names a published operation we do not have, and the document."""
    if not published.available(vendor):
        pytest.skip(f"{published.reference_path(vendor)} is absent (CI has it; set VOXSPEC_VENDOR_REFERENCES)")
    result = agreement(vendor)
    stale = [label(k) for k in result.omitted if k not in result.theirs or k in result.ours]
    unnamed = [label(k) for k in result.omitted if not result.omission_covers(k)]
    assert not stale, f"{published.OMITTED} lists operations the document lacks or the spec has: {stale}"
    assert not unnamed, f"{published.OMITTED} entries whose decision does not name the document: {unnamed}"


# ----------------------------------------------------------------------------- the comparison itself

DOCUMENT = "vendor.openapi.json"


def _doc(body: dict[str, Any], response: dict[str, Any], server: str = "https://h/v2", path: str = "/x/{id}") -> Doc:
    return Doc(
        {
            "servers": [{"url": server}],
            "paths": {
                path: {
                    "post": {
                        "requestBody": {"content": {"application/json": {"schema": body}}},
                        "responses": {"200": {"content": {"application/json": {"schema": response}}}},
                    }
                }
            },
            "components": {"schemas": {"Thing": response}},
        }
    )


def _report(ours: Doc, theirs: Doc) -> published.OperationReport:
    mine = published.operations(ours, theirs.prefix)
    vendor = published.operations(theirs, theirs.prefix)
    (key,) = mine.keys() & vendor.keys()
    return published.Comparer(ours, theirs, DOCUMENT).operation(mine[key], vendor[key])


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def test_paths_match_by_shape_under_the_vendor_server() -> None:
    ours = _doc(_obj(), _obj(), server="https://h", path="/v2/x/{thing}")
    theirs = _doc(_obj(), _obj(), server="https://{host}/v2", path="/x/{id}#2")
    assert published.operations(ours, theirs.prefix).keys() == published.operations(theirs, theirs.prefix).keys()


def test_types_compare_without_null_and_integer_within_number() -> None:
    ours = _doc(_obj(a={"type": "integer"}, b={"type": ["string", "null"]}, c={"type": "number"}), _obj())
    theirs = _doc(_obj(a={"type": "number"}, b={"type": "string", "nullable": True}, c={"type": "integer"}), _obj())
    report = _report(ours, theirs)
    assert (report.declared, report.agreeing) == (3, 2)
    assert [(d.path, d.kind) for d in report.open] == [("c", "type")]


def test_refs_nested_objects_and_array_items_are_walked() -> None:
    mine = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    ours = _doc(_obj(), mine)
    ours.data["components"]["schemas"]["Thing"] = _obj(inner=_obj(enable={"type": "string"}))
    theirs = _doc(_obj(), {"type": "array", "items": _obj(inner=_obj(enabled={"type": "string"}))})
    report = _report(ours, theirs)
    assert [(d.path, d.kind) for d in report.open] == [("[].inner.enable", "name")]


def test_a_decision_naming_the_document_covers_the_property_and_what_it_encloses() -> None:
    named = {"type": "string", "x-voxspec-decision": f"{DOCUMENT} says b; the guide a, which we keep"}
    unnamed = {"type": "string", "x-voxspec-decision": "a decision that names no document"}
    enclosing = {**_obj(deep={"type": "string"}), "x-voxspec-decision": f"{DOCUMENT} has no such object"}
    ours = _doc(_obj(a=named, b=unnamed, c=enclosing), _obj())
    report = _report(ours, _doc(_obj(other={"type": "string"}), _obj()))
    assert [d.path for d in report.differences] == ["a", "b", "c"]
    assert [d.path for d in report.open] == ["b"]


def test_vendor_tool_refs_count_as_properties() -> None:
    theirs = _doc({"type": "object", "x-apidog-refs": {"r": {"$ref": "#/components/schemas/Thing"}}}, _obj())
    theirs.data["components"]["schemas"]["Thing"] = _obj(a={"type": "string"})
    report = _report(_doc(_obj(a={"type": "string"}), _obj()), theirs)
    assert (report.declared, report.agreeing, report.open) == (1, 1, [])


def test_a_vendor_form_body_stands_in_for_a_json_body_it_does_not_give() -> None:
    theirs = _doc(_obj(), _obj())
    request = theirs.data["paths"]["/x/{id}"]["post"]["requestBody"]
    request["content"] = {"multipart/form-data": {"schema": _obj(script={"type": "string"})}}
    report = _report(_doc(_obj(script={"type": "string"}, voice={"type": "string"}), _obj()), theirs)
    assert (report.declared, report.agreeing) == (2, 1)
    assert [d.path for d in report.open] == ["voice"]


def test_a_body_the_vendor_leaves_without_properties_is_listed_not_compared() -> None:
    theirs = _doc(_obj(other={"type": "string"}), {"type": "object", "properties": {}})
    report = _report(_doc(_obj(), _obj(code={"type": "integer"})), theirs)
    assert (report.declared, report.differences, report.unspecified) == (0, [], ["response 200"])


def test_a_name_in_several_alternative_shapes_counts_once() -> None:
    mine = {"anyOf": [_obj(a={"type": "string"}, b={"type": "string"}), _obj(a={"type": "string"})]}
    report = _report(_doc(mine, _obj()), _doc(_obj(a={"type": "string"}), _obj()))
    assert (report.declared, report.agreeing, [d.path for d in report.open]) == (2, 1, ["b"])


def test_an_array_body_the_vendor_exemplifies_as_one_object_compares_with_its_items() -> None:
    listing = {"type": "array", "items": _obj(name={"type": "string"}, pin={"type": "string"})}
    theirs = _doc(listing, _obj())
    media = theirs.data["paths"]["/x/{id}"]["post"]["requestBody"]["content"]["application/json"]
    ours = _doc(_obj(name={"type": "string"}, pin={"type": "integer"}, extra={"type": "string"}), _obj())
    media["example"] = {"name": "one"}
    report = _report(ours, theirs)
    assert (report.declared, report.agreeing) == (3, 1)
    assert [(d.path, d.kind) for d in report.open] == [("pin", "type"), ("extra", "name")]
    media["example"] = [{"name": "one"}]  # an array example: the body is an array, and our object does not match
    assert [d.path for d in _report(ours, theirs).open] == ["name", "pin", "extra"]
