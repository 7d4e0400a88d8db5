"""The diff corpus: old/new spec pairs made from one small base spec plus one mutation each, with the expected
classification of every change as a set of (level, rule).

`python tests/diff/corpus.py OUT` writes each pair as OUT/<case>/old.yaml and new.yaml, for other tools.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

B, S, C = "breaking", "server-breaking", "compatible"
Spec = dict[str, Any]


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def base() -> Spec:
    """A small spec touching every construct the rules look at: params, bodies, refs, allOf, oneOf, recursion."""
    error = {"description": "Error", "content": _json("Error")}
    agent_id = {"name": "agent_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Corpus", "version": "1.0", "x-voxspec-package-version": "1.0.0"},
        "servers": [{"url": "https://pbx.example.com/api/v1"}],
        "security": [{"key": []}, {"bearer": []}],
        "paths": {
            "/agents": {
                "get": {
                    "operationId": "list_agents",
                    "summary": "List agents",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["ready", "paused"]}},
                        {
                            "name": "q",
                            "in": "query",
                            "description": "Search text.",
                            "schema": {"type": ["string", "null"]},
                        },
                        {
                            "name": "ids",
                            "in": "query",
                            "style": "form",
                            "explode": True,
                            "schema": {"type": "array", "items": {"type": "integer"}},
                        },
                    ],
                    "responses": {"200": {"description": "Agents", "content": _json("AgentList")}, "401": error},
                },
                "post": {
                    "operationId": "create_agent",
                    "summary": "Create an agent",
                    "requestBody": {
                        "required": True,
                        "content": {
                            **_json("AgentCreate"),
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": "#/components/schemas/AgentCreate"}
                            },
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Agent"},
                                    "example": {"id": 1, "name": "Ann"},
                                }
                            },
                        },
                        "400": error,
                    },
                },
            },
            "/agents/{agent_id}": {
                "parameters": [agent_id],
                "get": {
                    "operationId": "get_agent",
                    "summary": "Get an agent",
                    "responses": {"200": {"description": "Agent", "content": _json("Agent")}, "404": error},
                },
                "patch": {
                    "operationId": "update_agent",
                    "summary": "Update an agent",
                    "requestBody": {"content": _json("AgentPatch")},
                    "responses": {"200": {"description": "Agent", "content": _json("Agent")}, "404": error},
                },
                "delete": {
                    "operationId": "delete_agent",
                    "summary": "Delete an agent",
                    "responses": {"204": {"description": "Deleted"}, "404": error},
                },
            },
            "/status": {
                "get": {
                    "operationId": "get_status",
                    "summary": "Service status",
                    "security": [],
                    "responses": {"200": {"description": "Up", "content": _json("Status")}},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "Named": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                "Agent": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Named"},
                        {
                            "type": "object",
                            "required": ["id"],
                            "properties": {
                                "id": {"type": "integer"},
                                "status": {"type": "string", "enum": ["ready", "paused"]},
                                "email": {"type": ["string", "null"], "description": "Work address."},
                                "nick": {"type": "string", "maxLength": 20},
                                "team": {"$ref": "#/components/schemas/Team"},
                                "manager": {"$ref": "#/components/schemas/Agent"},
                                "contact": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Phone"},
                                        {"$ref": "#/components/schemas/Email"},
                                    ]
                                },
                            },
                        },
                    ]
                },
                "AgentList": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Agent"}},
                        "total": {"type": "integer"},
                    },
                },
                "AgentCreate": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 40},
                        "status": {"type": "string", "enum": ["ready", "paused"], "default": "ready"},
                        "skill": {"type": "integer"},
                        "hired": {"type": "string"},
                        "started": {"type": "string", "format": "date"},
                        "contact": {
                            "oneOf": [{"$ref": "#/components/schemas/Phone"}, {"$ref": "#/components/schemas/Email"}]
                        },
                    },
                },
                "AgentPatch": {"type": "object", "properties": {"status": {"type": "string"}}},
                "Team": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                "Phone": {"type": "object", "properties": {"number": {"type": "string"}}},
                "Email": {"type": "object", "properties": {"address": {"type": "string"}}},
                "Status": {"type": "object", "properties": {"up": {"type": "boolean"}}},
                "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
            },
        },
    }


Mutation = Callable[[Spec], None]


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Mutation
    expect: frozenset[tuple[str, str]]  # (level, rule) of every change, nothing else

    def pair(self) -> tuple[Spec, Spec]:
        old = base()
        new = copy.deepcopy(old)
        self.mutate(new)
        return old, new

    @property
    def breaking(self) -> bool:
        return any(level == B for level, _ in self.expect)


CASES: list[Case] = []


def case(name: str, *expect: tuple[str, str]) -> Callable[[Mutation], Mutation]:
    def register(mutate: Mutation) -> Mutation:
        CASES.append(Case(name, mutate, frozenset(expect)))
        return mutate

    return register


def schema(spec: Spec, name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]  # type: ignore[no-any-return]


def agent(spec: Spec) -> dict[str, Any]:
    return schema(spec, "Agent")["allOf"][1]  # type: ignore[no-any-return]


def op(spec: Spec, path: str, method: str) -> dict[str, Any]:
    return spec["paths"][path][method]  # type: ignore[no-any-return]


def param(spec: Spec, name: str) -> dict[str, Any]:
    return next(p for p in op(spec, "/agents", "get")["parameters"] if p["name"] == name)


def create(spec: Spec) -> dict[str, Any]:
    return schema(spec, "AgentCreate")


# --- nothing, or nothing that matters --------------------------------------------------------------------------
case("no-change")(lambda s: None)


@case("component-renamed")
def _(s: Spec) -> None:
    schemas = s["components"]["schemas"]
    schemas["Group"] = schemas.pop("Team")
    agent(s)["properties"]["team"] = {"$ref": "#/components/schemas/Group"}


@case("base-path-moved-into-paths")
def _(s: Spec) -> None:
    s["servers"] = [{"url": "https://pbx.example.com"}]
    s["paths"] = {f"/api/v1{path}": item for path, item in s["paths"].items()}


@case("path-parameter-renamed", (C, "path-parameter-renamed"))
def _(s: Spec) -> None:
    item = s["paths"].pop("/agents/{agent_id}")
    item["parameters"][0]["name"] = "id"
    s["paths"]["/agents/{id}"] = item


case("server-host-changed", (B, "server-removed"), (C, "server-added"))(
    lambda s: s.update(servers=[{"url": "https://api.example.net/api/v1"}])
)
case("server-added", (C, "server-added"))(lambda s: s["servers"].append({"url": "https://eu.example.com/api/v1"}))

# --- operations -----------------------------------------------------------------------------------------------
case("operation-removed", (B, "operation-removed"))(lambda s: s["paths"]["/agents/{agent_id}"].pop("delete"))
case("path-removed", (B, "operation-removed"))(lambda s: s["paths"].pop("/agents/{agent_id}"))


@case("operation-added", (C, "operation-added"))
def _(s: Spec) -> None:
    s["paths"]["/agents/{agent_id}"]["put"] = copy.deepcopy(op(s, "/agents/{agent_id}", "patch")) | {
        "operationId": "replace_agent"
    }


case("operation-id-changed", (B, "operation-id-changed"))(
    lambda s: op(s, "/agents", "get").update(operationId="get_agents")
)
case("summary-changed", (C, "operation-summary-changed"))(lambda s: op(s, "/agents", "get").update(summary="All"))
case("description-added", (C, "operation-description-changed"))(
    lambda s: op(s, "/agents", "get").update(description="Every agent.")
)
case("operation-deprecated", (C, "operation-deprecated"))(lambda s: op(s, "/agents", "get").update(deprecated=True))

# --- parameters -----------------------------------------------------------------------------------------------
case("parameter-removed", (B, "parameter-removed"))(
    lambda s: op(s, "/agents", "get")["parameters"].remove(param(s, "limit"))
)
case("parameter-added", (C, "parameter-added"))(
    lambda s: op(s, "/agents", "get")["parameters"].append(
        {"name": "team", "in": "query", "schema": {"type": "integer"}}
    )
)
case("required-parameter-added", (B, "required-parameter-added"))(
    lambda s: op(s, "/agents", "get")["parameters"].append(
        {"name": "team", "in": "query", "required": True, "schema": {"type": "integer"}}
    )
)
case("required-header-added", (B, "required-parameter-added"))(
    lambda s: op(s, "/agents", "get")["parameters"].append(
        {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}
    )
)
case("parameter-became-required", (B, "parameter-became-required"))(lambda s: param(s, "limit").update(required=True))


@case("parameter-became-optional", (C, "parameter-became-optional"))
def _(s: Spec) -> None:
    s["paths"]["/agents/{agent_id}"]["parameters"][0]["required"] = False


case("parameter-moved-to-header", (B, "parameter-removed"), (C, "parameter-added"))(
    lambda s: param(s, "limit").update({"in": "header"})
)
case("parameter-type-changed", (B, "type-changed"))(lambda s: param(s, "limit")["schema"].update(type="string"))
case("parameter-type-narrowed", (B, "request-type-narrowed"))(lambda s: param(s, "q")["schema"].update(type="string"))
case("parameter-type-widened", (S, "request-type-widened"))(lambda s: param(s, "limit")["schema"].update(type="number"))
case("parameter-maximum-lowered", (B, "request-constraint-narrowed"))(
    lambda s: param(s, "limit")["schema"].update(maximum=50)
)
case("parameter-maximum-raised", (S, "request-constraint-widened"))(
    lambda s: param(s, "limit")["schema"].update(maximum=500)
)
case("parameter-minimum-dropped", (S, "request-constraint-widened"))(
    lambda s: param(s, "limit")["schema"].pop("minimum")
)
case("parameter-enum-value-removed", (B, "request-enum-value-removed"))(
    lambda s: param(s, "status")["schema"].update(enum=["ready"])
)
case("parameter-enum-value-added", (S, "request-enum-value-added"))(
    lambda s: param(s, "status")["schema"].update(enum=["ready", "paused", "busy"])
)
case("parameter-style-changed", (B, "parameter-style-changed"))(lambda s: param(s, "ids").update(explode=False))
case("parameter-items-type-changed", (B, "type-changed"))(
    lambda s: param(s, "ids")["schema"]["items"].update(type="string")
)
case("parameter-description-changed", (C, "parameter-description-changed"))(
    lambda s: param(s, "q").update(description="Text to search for.")
)

# --- request bodies -------------------------------------------------------------------------------------------
case("request-property-removed", (B, "request-property-removed"))(lambda s: create(s)["properties"].pop("skill"))
case("request-property-added", (S, "request-property-added"))(
    lambda s: create(s)["properties"].update(note={"type": "string"})
)


@case("request-required-property-added", (B, "request-required-property-added"))
def _(s: Spec) -> None:
    create(s)["properties"]["team"] = {"type": "integer"}
    create(s)["required"].append("team")


case("request-property-became-required", (B, "request-property-became-required"))(
    lambda s: create(s)["required"].append("skill")
)
case("request-property-became-optional", (C, "request-property-became-optional"))(lambda s: create(s).pop("required"))
case("request-enum-value-added", (S, "request-enum-value-added"))(
    lambda s: create(s)["properties"]["status"].update(enum=["ready", "paused", "busy"])
)
case("request-enum-value-removed", (B, "request-enum-value-removed"))(
    lambda s: create(s)["properties"]["status"].update(enum=["paused"])
)
case("request-enum-added", (B, "request-enum-added"))(
    lambda s: create(s)["properties"]["hired"].update(enum=["yes", "no"])
)
case("request-enum-dropped", (S, "request-enum-dropped"))(lambda s: create(s)["properties"]["status"].pop("enum"))
case("request-maxlength-lowered", (B, "request-constraint-narrowed"))(
    lambda s: create(s)["properties"]["name"].update(maxLength=10)
)
case("request-pattern-added", (B, "request-constraint-narrowed"))(
    lambda s: create(s)["properties"]["name"].update(pattern="^[A-Za-z ]+$")
)
case("request-format-added", (B, "request-format-added"))(
    lambda s: create(s)["properties"]["hired"].update(format="date")
)
case("format-changed", (B, "format-changed"))(lambda s: create(s)["properties"]["started"].update(format="date-time"))
case("request-format-dropped", (C, "format-relaxed"))(lambda s: create(s)["properties"]["started"].pop("format"))
case("request-type-widened", (S, "request-type-widened"))(
    lambda s: create(s)["properties"]["skill"].update(type="number")
)
case("request-type-changed", (B, "type-changed"))(lambda s: create(s)["properties"]["skill"].update(type="string"))
case("request-closed", (B, "request-closed"))(lambda s: create(s).update(additionalProperties=False))
case("request-default-changed", (C, "default-changed"))(
    lambda s: create(s)["properties"]["status"].update(default="paused")
)
case("request-variant-added", (S, "request-variant-added"))(
    lambda s: create(s)["properties"]["contact"]["oneOf"].append({"$ref": "#/components/schemas/Team"})
)
case("request-variant-removed", (B, "request-variant-removed"))(
    lambda s: create(s)["properties"]["contact"]["oneOf"].pop()
)
case("request-body-removed", (B, "request-body-removed"))(lambda s: op(s, "/agents", "post").pop("requestBody"))
case("request-body-became-required", (B, "request-body-became-required"))(
    lambda s: op(s, "/agents/{agent_id}", "patch")["requestBody"].update(required=True)
)
case("request-body-became-optional", (C, "request-body-became-optional"))(
    lambda s: op(s, "/agents", "post")["requestBody"].update(required=False)
)
case("required-request-body-added", (B, "required-request-body-added"))(
    lambda s: op(s, "/agents/{agent_id}", "delete").update(
        requestBody={"required": True, "content": _json("AgentPatch")}
    )
)
case("optional-request-body-added", (C, "request-body-added"))(
    lambda s: op(s, "/agents/{agent_id}", "delete").update(requestBody={"content": _json("AgentPatch")})
)
case("request-media-type-removed", (B, "request-media-type-removed"))(
    lambda s: op(s, "/agents", "post")["requestBody"]["content"].pop("application/x-www-form-urlencoded")
)
case("request-media-type-added", (S, "request-media-type-added"))(
    lambda s: op(s, "/agents", "post")["requestBody"]["content"].update(
        {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/AgentCreate"}}}
    )
)

# --- responses ------------------------------------------------------------------------------------------------
case("response-property-removed", (B, "response-property-removed"))(lambda s: agent(s)["properties"].pop("nick"))
case("response-property-added", (C, "response-property-added"))(
    lambda s: agent(s)["properties"].update(phone={"type": "string"})
)


@case("response-required-property-added", (S, "response-required-property-added"))
def _(s: Spec) -> None:
    agent(s)["properties"]["phone"] = {"type": "string"}
    agent(s)["required"].append("phone")


case("response-property-became-required", (S, "response-property-became-required"))(
    lambda s: agent(s)["required"].append("status")
)
case("response-property-became-optional", (B, "response-property-became-optional"))(
    lambda s: agent(s).update(required=[])
)
case("allof-part-property-became-optional", (B, "response-property-became-optional"))(
    lambda s: schema(s, "Named").pop("required")
)
case("allof-part-property-removed", (B, "response-property-removed"))(
    lambda s: schema(s, "Named").update(properties={})
)
case("response-enum-value-removed", (B, "response-enum-value-removed"))(
    lambda s: agent(s)["properties"]["status"].update(enum=["ready"])
)
case("response-enum-value-added", (B, "response-enum-value-added"))(
    lambda s: agent(s)["properties"]["status"].update(enum=["ready", "paused", "busy"])
)
case("response-enum-added", (S, "response-enum-added"))(lambda s: agent(s)["properties"]["nick"].update(enum=["a"]))
case("response-type-widened", (B, "response-type-widened"))(
    lambda s: agent(s)["properties"]["nick"].update(type=["string", "null"])
)
case("response-type-narrowed", (S, "response-type-narrowed"))(
    lambda s: agent(s)["properties"]["email"].update(type="string")
)
case("response-type-changed", (B, "type-changed"))(lambda s: agent(s)["properties"]["id"].update(type="string"))
case("response-maxlength-raised", (B, "response-constraint-widened"))(
    lambda s: agent(s)["properties"]["nick"].update(maxLength=200)
)
case("response-maxlength-lowered", (S, "response-constraint-narrowed"))(
    lambda s: agent(s)["properties"]["nick"].update(maxLength=5)
)
# Built from PAIRED_OLD/PAIRED_NEW below: the base spec has no response field with a format to drop.
case("response-format-removed", (B, "response-format-removed"))(lambda s: None)
case("nested-array-item-type-changed", (B, "type-changed"))(
    lambda s: schema(s, "AgentList")["properties"]["total"].update(type="string")
)
case("nested-ref-property-removed", (B, "response-property-removed"))(
    lambda s: schema(s, "Team")["properties"].pop("name")
)
case("recursive-schema-property-added", (C, "response-property-added"))(
    lambda s: agent(s)["properties"].update(level={"type": "integer"})
)
case("response-variant-added", (B, "response-variant-added"))(
    lambda s: agent(s)["properties"]["contact"]["oneOf"].append({"$ref": "#/components/schemas/Team"})
)
case("response-variant-removed", (S, "response-variant-removed"))(
    lambda s: agent(s)["properties"]["contact"]["oneOf"].pop()
)
# Built from PAIRED_OLD/PAIRED_NEW below: the base spec has no closed response schema.
case("response-opened", (B, "response-opened"))(lambda s: None)
case("property-description-changed", (C, "description-changed"))(
    lambda s: agent(s)["properties"]["email"].update(description="The agent's work address.")
)
case("example-changed", (C, "example-changed"))(
    lambda s: op(s, "/agents", "post")["responses"]["201"]["content"]["application/json"].update(
        example={"id": 2, "name": "Bo"}
    )
)


@case("success-status-changed", (B, "success-status-removed"), (C, "success-status-added"))
def _(s: Spec) -> None:
    responses = op(s, "/agents", "post")["responses"]
    responses["200"] = responses.pop("201")


case("success-status-added", (C, "success-status-added"))(
    lambda s: op(s, "/agents", "post")["responses"].update({"200": {"description": "Existing agent"}})
)
case("error-status-removed", (C, "error-status-removed"))(lambda s: op(s, "/agents", "get")["responses"].pop("401"))
case("error-status-added", (C, "error-status-added"))(
    lambda s: op(s, "/agents", "get")["responses"].update({"429": {"description": "Slow down"}})
)
case("response-media-type-removed", (B, "response-media-type-removed"), (C, "response-media-type-added"))(
    lambda s: op(s, "/agents", "get")["responses"]["200"].update(content={"text/csv": {"schema": {"type": "string"}}})
)
case("response-media-type-added", (C, "response-media-type-added"))(
    lambda s: op(s, "/agents", "get")["responses"]["200"]["content"].update(
        {"text/csv": {"schema": {"type": "string"}}}
    )
)
case("response-description-changed", (C, "response-description-changed"))(
    lambda s: op(s, "/agents", "get")["responses"]["200"].update(description="Every agent")
)

# --- auth -----------------------------------------------------------------------------------------------------
case("auth-scheme-changed", (B, "auth-removed"), (C, "auth-added"))(
    lambda s: s["components"]["securitySchemes"]["key"].update(name="X-Key")
)
case("auth-scheme-moved-to-query", (B, "auth-removed"), (C, "auth-added"))(
    lambda s: s["components"]["securitySchemes"]["key"].update({"in": "query"})
)
case("auth-alternative-removed", (B, "auth-removed"))(lambda s: s.update(security=[{"bearer": []}]))
case("auth-alternative-added", (C, "auth-added"))(
    lambda s: (
        s["components"]["securitySchemes"].update(basic={"type": "http", "scheme": "basic"})
        or s["security"].append({"basic": []})
    )
)
case("auth-now-required", (B, "auth-removed"), (C, "auth-added"))(lambda s: op(s, "/status", "get").pop("security"))
case("auth-no-longer-required", (C, "auth-no-longer-required"), (C, "auth-added"))(
    lambda s: op(s, "/agents", "get").update(security=[])
)


def _response_opened(s: Spec) -> None:
    s["components"]["schemas"]["Status"]["additionalProperties"] = True


# Two cases need an old side other than base(): they are pairs of (old mutation, new mutation).
PAIRED_OLD: dict[str, Mutation] = {
    "response-opened": lambda s: s["components"]["schemas"]["Status"].update(additionalProperties=False),
    "response-format-removed": lambda s: schema(s, "Status")["properties"].update(
        at={"type": "string", "format": "date"}
    ),
}
PAIRED_NEW: dict[str, Mutation] = {
    "response-opened": _response_opened,
    "response-format-removed": lambda s: schema(s, "Status")["properties"].update(at={"type": "string"}),
}


def pair(case: Case) -> tuple[Spec, Spec]:
    old, new = case.pair()
    if case.name in PAIRED_OLD:
        old = base()
        PAIRED_OLD[case.name](old)
        new = copy.deepcopy(old)
        PAIRED_NEW[case.name](new)
    return old, new


class _PlainDumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML is untyped here (no types-PyYAML)
    """Writes shared nodes out in full: the pairs read like hand-written specs, without anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(spec: Spec) -> str:
    return str(yaml.dump(spec, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120))


def main(out: Path) -> None:
    manifest = {}
    for entry in CASES:
        old, new = pair(entry)
        folder = out / entry.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "old.yaml").write_text(dump(old), encoding="utf-8")
        (folder / "new.yaml").write_text(dump(new), encoding="utf-8")
        manifest[entry.name] = {"breaking": entry.breaking, "expect": sorted(map(list, entry.expect))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
