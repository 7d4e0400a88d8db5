"""The contract tests' case filter: which generated cases are not sent because no server could tell them apart
from other requests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.contract.fuzz import wire_distinct_cases
from tests.helpers import package

FAX = ("POST", "/extension/{extension_id}/fax/out/")


def fax_case(dst_num: Any, mode: GenerationMode = GenerationMode.NEGATIVE, negative: tuple[Any, ...] = ()) -> Any:
    """A Telphin fax send as schemathesis hands it to the filter; `negative` names the parts negative mode broke."""
    components = {
        ParameterLocation.PATH: SimpleNamespace(mode=GenerationMode.POSITIVE),
        ParameterLocation.BODY: SimpleNamespace(mode=GenerationMode.POSITIVE),
    }
    for place in negative:
        components[place] = SimpleNamespace(mode=GenerationMode.NEGATIVE)
    return SimpleNamespace(
        method=FAX[0],
        path=FAX[1],
        media_type="multipart/form-data",
        body={"dst_num": dst_num, "file": b"\x00fax"},
        query=None,
        meta=SimpleNamespace(generation=SimpleNamespace(mode=mode), components=components),
    )


def telphin_filter() -> Any:
    return wire_distinct_cases(package("telphin", "_mock").reads_as_json, package("telphin", "_spec").RUNTIME)


def test_a_negative_body_the_schema_accepts_is_not_sent() -> None:
    # Negative mode turned dst_num's string branch into an integer, which the number branch of the anyOf takes:
    # the mock rightly answers 201, which schemathesis called "schema-violating request accepted".
    keep = telphin_filter()
    assert keep(None, fax_case(957552629705327, negative=(ParameterLocation.BODY,))) is False


def test_a_negative_body_the_schema_refuses_is_sent() -> None:
    keep = telphin_filter()
    assert keep(None, fax_case(12, negative=(ParameterLocation.BODY,))) is True
    assert keep(None, fax_case([], negative=(ParameterLocation.BODY,))) is True


def test_a_valid_body_is_sent_when_another_part_is_negative() -> None:
    # The path is what negative mode broke here; the valid body must not hide that case.
    keep = telphin_filter()
    negative = (ParameterLocation.BODY, ParameterLocation.PATH)
    assert keep(None, fax_case("74957654321", negative=(ParameterLocation.PATH,))) is True
    assert keep(None, fax_case(957552629705327, negative=negative)) is True


def test_positive_cases_are_sent() -> None:
    keep = telphin_filter()
    assert keep(None, fax_case("74957654321", mode=GenerationMode.POSITIVE)) is True
