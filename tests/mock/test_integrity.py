"""The integrity and paging rules the mock applies (as the runtime data gives them), one rule at a time."""

from __future__ import annotations

from typing import Any

from generator.mock import paging
from generator.mock.integrity import Child, Rules, clash, rules


def test_an_operations_rules_are_read_from_its_runtime_data() -> None:
    assert rules(None) == Rules()
    declared = {"duplicate": "reject", "unique": [["name"], ["code", "type"]], "children": []}
    assert rules(declared) == Rules("reject", (("name",), ("code", "type")))
    child = {"operation": "list_domains", "field": "reseller", "on_delete": "cascade"}
    assert rules({**declared, "children": [child]}).children == (Child("list_domains", "reseller", "cascade"),)
    assert rules({**declared, "duplicate": "sometimes"}).duplicate == "replace"


def test_a_clash_is_a_shared_value_of_a_whole_field_set() -> None:
    others: list[Any] = [{"name": "a", "code": 1, "type": "X"}]
    assert clash({"name": "a"}, others, (("name",),)) == ("name",)
    assert clash({"name": "b", "code": 1, "type": "Y"}, others, (("code", "type"),)) is None
    assert clash({"name": "b", "code": 1, "type": "X"}, others, (("name",), ("code", "type"))) == ("code", "type")
    assert clash({"code": 1}, others, (("code", "type"),)) is None, "a set the record does not fill cannot clash"


def _op(style: str, **names: str) -> dict[str, Any]:
    return {
        "parameters": [{"name": "page", "schema": {"minimum": 1}}],
        "pagination": {"style": style, **names},
    }


def test_pages_and_links_describe_the_window_served() -> None:
    op = _op("page", page="page", size="size")
    window = paging.page(op, {"page": 2, "size": 2}, list(range(5)))
    assert window.items == [2, 3] and window.total == 5
    body: dict[str, Any] = {"pagination": {"page": 9, "size": 9, "total": 99, "totalPages": 9}, "links": {}}
    body["links"] = {"prev": "x", "next": "x"}
    paging.paging_fields(body, window, paging.query_string)
    assert body["pagination"] == {"page": 2, "size": 2, "total": 5, "totalPages": 3}
    assert body["links"] == {"prev": "page=1&size=2", "next": "page=3&size=2"}
    last = paging.page(op, {"page": 3, "size": 2}, list(range(5)))
    links = {"prev": "x", "next": "x"}
    paging.paging_fields(links, last, paging.query_string)
    assert links == {"prev": "page=2&size=2"}


def test_offset_windows_stop_at_either_end() -> None:
    op = _op("offset", offset="start", limit="limit")
    window = paging.page(op, {"start": 0, "limit": 2}, list(range(3)))
    links = {"previous": "x", "next": "x"}
    paging.paging_fields(links, window, paging.query_string)
    assert window.items == [0, 1] and links == {"next": "start=2&limit=2"}
    assert paging.page(op, {"start": 5}, list(range(3))).items == []


def test_a_path_parameter_with_enumerated_values_is_not_an_id() -> None:
    from generator.mock.crud import bindings

    def operation(method: str, path: str, enum: list[str] | None = None) -> dict[str, Any]:
        names = [s[1:-1] for s in path.split("/") if s.startswith("{")]
        params: list[dict[str, Any]] = [{"name": n, "in": "path", "schema": {"type": "string"}} for n in names]
        if enum:
            params[-1]["schema"] = {"type": "string", "enum": enum}
        return {"method": method, "path": path, "parameters": params, "body": None}

    ops = {
        "list_agents": operation("GET", "/agents"),
        "get_agent": operation("GET", "/agents/{agent}"),
        "get_agent_state": operation("GET", "/agents/{agent}/states/{state}", ["Lunch", "Break"]),
        "list_agent_states": operation("GET", "/agents/{agent}/states"),
    }
    found = bindings(ops)
    assert found["get_agent"].action == "read" and "get_agent_state" not in found
