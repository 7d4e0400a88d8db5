"""Inventory of specs/netsapiens/openapi.yaml against the NetSapiens API v1 to v2 migration guide.

The guide has no path table: it is a page of "•" bullets under one heading per resource, listing only
what changed from v1. The parser below splits it into those sections and reads from the bullets the
field names it gives, quoted: renames ("dir" (now "directory-name-number-dtmf-mapping")), removals and
deprecations ("rating", "source", "subscriber" ...) and the names it introduces ("phonenumber",
"enable", "parameters", the time-range-data field ...). Every new name must be a property of the
section's schemas and no old name may be a property anywhere. The general rules (JSON only, arrays for
lists, 404, the {code, message} error body, 202 or 200 with "synchronous", "~" for "my" domain and
user) are checked on every operation, and every resource the guide names must have its CRUD paths.
What the guide does not say (paths, the dial-rule path it points to, the 409 status, paging) comes from
public sources and is checked against the choices recorded in the spec's x-voxspec-decision texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from generator.pointer import unescape
from tests.conftest import read_spec, read_vendor_doc

DOC_NAME = "netsapiens-v2-migration-guide.txt"
VENDOR = "netsapiens"
METHODS = ("get", "put", "post", "delete", "patch")
JSON = "application/json"
MULTIPART = "multipart/form-data"

BULLET = "\u2022"
QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]+)[\"\u201d]")
RENAMED = re.compile(r"[\"\u201c]([^\"\u201d]+)[\"\u201d]\s*\(now\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]\)")
SPLIT_FIELD = re.compile(r"\bThe (\w+) have been split into distinct fields")
NAMED_FIELD = re.compile(r"\bthe ([a-z]+(?:-[a-z]+)+) field\b")
TOGGLE_RECORDING = re.compile(r"toggle recording on/off in the (\w+) create/update", re.IGNORECASE)
NOW_INCLUDED = re.compile(r"fields such as (.+?) are now included", re.IGNORECASE)
DEFAULT_LENGTH = re.compile(r"default (\w+ password) will now contain (\d+) characters", re.IGNORECASE)
ACTION_PATHS = re.compile(r"(/\{?\w+\}?)(?=[,.\s]|$)")
TTS_FOR = re.compile(r"TTS for (.+?)\.")
PATH_PARAM = re.compile(r"\{(\w+)\}")
FAVOUR = re.compile(r"in favou?r of")
UNSUPPORTED_SCOPE = re.compile(r"^(.+?) is not currently a supported Scope\.", re.MULTILINE)

Json = Any


@dataclass(frozen=True)
class Area:
    """Where a guide section lives in the spec: its schemas (main first) and collection paths."""

    schemas: tuple[str, ...]
    collections: tuple[str, ...]


# The guide's headings and where their resources are in the spec. The paths are the vendor's v2
# layout from public sources (the guide has none); a heading the guide adds or drops fails the test.
AREAS: dict[str, Area] = {
    "Domains": Area(("Domain", "DomainCreate", "DomainUpdate"), ("/domains",)),
    "User": Area(("User", "UserCreate", "UserUpdate"), ("/domains/{domain}/users",)),
    "Time Frames": Area(
        ("Timeframe", "TimeframeCreate", "TimeframeUpdate", "TimeframeDaysOfWeek"),
        ("/domains/{domain}/timeframes", "/domains/{domain}/users/{user}/timeframes"),
    ),
    "Answer Rule": Area(
        ("AnswerRule", "AnswerRuleCreate", "AnswerRuleUpdate", "AnswerRuleFeature"),
        ("/domains/{domain}/users/{user}/answerrules",),
    ),
    "Device": Area(("Device", "DeviceCreate", "DeviceUpdate"), ("/domains/{domain}/users/{user}/devices",)),
    "Reseller": Area(("Reseller", "ResellerCreate", "ResellerUpdate"), ("/resellers",)),
    "Call Queues": Area(("CallQueue", "CallQueueCreate", "CallQueueUpdate"), ("/domains/{domain}/callqueues",)),
    "Agents": Area(("Agent", "AgentCreate", "AgentUpdate"), ("/domains/{domain}/callqueues/{callqueue}/agents",)),
    "Phone Numbers": Area(
        ("PhoneNumber", "PhoneNumberCreate", "PhoneNumberUpdate"), ("/domains/{domain}/phonenumbers",)
    ),
    "Media / Audio": Area(
        ("AudioFile", "AudioTtsRequest", "AudioBase64Request", "AudioUploadForm"),
        (
            "/domains/{domain}/moh",
            "/domains/{domain}/users/{user}/moh",
            "/domains/{domain}/msg",
            "/domains/{domain}/users/{user}/msg",
            "/domains/{domain}/users/{user}/greetings",
        ),
    ),
}
GENERAL = "General Changes"
# Names the guide gives that the vendor's published OpenAPI document (v45.0) spells otherwise; the published
# document wins, and the spec must say so in a decision on the section's schemas naming both spellings.
PUBLISHED = "netsapiens-api-v2-v45.0.openapi.json"
CORRECTED: dict[str, str] = {"enable": "enabled", "time-range-data": "timeframe-days-of-week-array"}
# The guide's media names ("TTS for MOH, Mesg and Greetings") and their path segments.
MEDIA_SEGMENTS = {"MOH": "moh", "Mesg": "msg", "Greetings": "greetings"}


# ----------------------------------------------------------------------------- the guide


@dataclass
class Section:
    title: str
    bullets: list[str] = field(default_factory=list)

    def find(self, needle: str) -> str:
        """The one bullet containing `needle` (case-insensitive); fails when the guide lost it."""
        hits = [b for b in self.bullets if needle.lower() in b.lower()]
        assert len(hits) == 1, f"{self.title}: expected one bullet about {needle!r}, found {len(hits)}"
        return hits[0]


@dataclass
class Names:
    """Field names a section's bullets give: new ones, and v1 ones that are gone."""

    new: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)
    enum_changed: set[str] = field(default_factory=set)


@cache
def guide_text() -> str:
    return read_vendor_doc(DOC_NAME)


@cache
def sections() -> dict[str, Section]:
    """Each heading followed by "•" bullets, with its bullets; prose without bullets is left out."""
    out: dict[str, Section] = {}
    current: Section | None = None
    for raw in guide_text().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(BULLET):
            assert current is not None, f"bullet before any heading: {line!r}"
            current.bullets.append(line.lstrip(BULLET).strip())
        else:
            current = Section(line)
            out[line] = current
    return {title: s for title, s in out.items() if s.bullets}


def _clean(token: str) -> str:
    return token.strip().strip(".,;:").strip()


def names_in(section: Section) -> Names:
    names = Names()
    for bullet in section.bullets:
        pairs = RENAMED.findall(bullet)
        for old, new in pairs:
            names.removed.add(_clean(old))
            names.new.add(_clean(new))
            names.renamed[_clean(old)] = _clean(new)
            if bullet.lower().startswith("enumeration values"):
                names.enum_changed.add(_clean(new))
        names.removed.update(SPLIT_FIELD.findall(bullet))
        names.new.update(NAMED_FIELD.findall(bullet))
        if pairs:
            continue
        lowered = bullet.lower()
        if "removed" in lowered or "deprecated" in lowered:
            # 'The term "subscriber" ... deprecated in favour of "user."': the old name before, the new after.
            head, tail = [*FAVOUR.split(bullet, maxsplit=1), ""][:2]
            names.removed.update(_clean(t) for t in QUOTED.findall(head))
            names.new.update(_clean(t) for t in QUOTED.findall(tail))
        else:
            names.new.update(_clean(t) for t in QUOTED.findall(bullet))
    return names


def spellings(name: str) -> set[str]:
    """The ways a v1 name could be written as a property: as is, hyphenated, underscored, joined."""
    words = re.split(r"[\s_-]+", name.strip())
    return {name, "-".join(words), "_".join(words), "".join(words)}


# ----------------------------------------------------------------------------- the spec


@cache
def spec() -> dict[str, Json]:
    return read_spec(VENDOR)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    node: dict[str, Json]

    @property
    def op_id(self) -> str:
        return str(self.node.get("operationId"))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} ({self.op_id})"


def operations() -> list[Operation]:
    return [
        Operation(method, path, op)
        for path, item in spec()["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def operation(method: str, path: str) -> Operation:
    node = spec()["paths"].get(path, {}).get(method)
    assert isinstance(node, dict), f"{method.upper()} {path} is missing"
    return Operation(method, path, node)


def deref(node: Json) -> Json:
    """Follow local $refs until a node without one."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        assert ref.startswith("#/"), f"external $ref {ref}"
        target: Json = spec()
        for part in ref[2:].split("/"):
            target = target[unescape(part)]
        node = target
        seen += 1
        assert seen < 20, f"$ref loop at {ref}"
    return node


def schema(name: str) -> dict[str, Json]:
    node = spec()["components"]["schemas"].get(name)
    assert isinstance(node, dict), f"components/schemas/{name} is missing"
    return node


def properties(node: Json) -> dict[str, Json]:
    """A schema's properties, those of its allOf/anyOf/oneOf members included."""
    node = deref(node)
    out: dict[str, Json] = dict(node.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for member in node.get(key) or []:
            out.update(properties(member))
    return out


def parameters(op: Operation) -> list[dict[str, Json]]:
    item = spec()["paths"][op.path]
    return [deref(p) for p in [*(item.get("parameters") or []), *(op.node.get("parameters") or [])]]


def path_params(op: Operation) -> list[dict[str, Json]]:
    return [p for p in parameters(op) if p.get("in") == "path"]


def responses(op: Operation) -> dict[str, Json]:
    return {str(code): response for code, response in op.node["responses"].items()}


def response_schema(op: Operation, code: str) -> Json:
    response = deref(responses(op)[code])
    return response["content"][JSON]["schema"]


def request_body(op: Operation) -> dict[str, Json] | None:
    body = op.node.get("requestBody")
    return deref(body) if body is not None else None


def validator(node: Json) -> Draft202012Validator:
    registry: Registry[Json] = Registry().with_resource("urn:spec", DRAFT202012.create_resource(spec()))
    return Draft202012Validator(_rebase(node), registry=registry)


def _rebase(node: Json) -> Json:
    if isinstance(node, dict):
        return {
            k: (f"urn:spec{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#/") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def all_property_names() -> Iterator[tuple[str, str]]:
    """(where, property name) for every property of every schema in the spec, nested ones included."""

    def walk(node: Json, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for name in props:
                    yield where, str(name)
            for key, value in node.items():
                if key not in ("example", "examples"):
                    yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}/{i}")

    yield from walk(spec(), "")


# Operations sent as POST that only read: they change nothing, so they answer 200 and take no synchronous option.
READS_BY_POST = {"report_active_calls"}


def is_write(op: Operation) -> bool:
    """A write of a stored resource. Actions (x-voxspec-effects: make a call, send a message, leave a session) are
    not: what they answer is the vendor's, not the guide's create/update/delete rule."""
    return (
        op.method in ("post", "put", "delete")
        and bool(op.node.get("security", [{}]))
        and "x-voxspec-effects" not in op.node
        and op.op_id not in READS_BY_POST
    )


def item_paths(collection: str) -> list[str]:
    """Paths one {param} below a collection."""
    return [
        p
        for p in spec()["paths"]
        if p.startswith(collection + "/{") and p.count("/") == collection.count("/") + 1 and p.endswith("}")
    ]


def decisions(node: Json) -> list[str]:
    value = node.get("x-voxspec-decision") if isinstance(node, dict) else None
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def normal(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- the guide's shape


def test_guide_headings_are_the_ones_mapped() -> None:
    assert set(sections()) == {GENERAL, *AREAS}, "the guide's headings changed; update AREAS"


def test_guide_field_names_are_found() -> None:
    """The parser finds the renames and removals the guide spells out (guards the parser itself)."""
    found = {title: names_in(sections()[title]) for title in AREAS}
    assert sum(len(n.renamed) for n in found.values()) >= 4
    assert sum(len(n.removed) for n in found.values()) >= 10
    assert all(found[t].new or found[t].removed for t in AREAS if t != "Media / Audio")


# ----------------------------------------------------------------------------- document level


def test_document_header() -> None:
    doc = spec()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["x-source"]["document"] == DOC_NAME
    assert "January 24th, 2025" in doc["info"]["x-source"]["version"]
    assert "Decisions recorded" in doc["info"]["description"]
    server = doc["servers"][0]
    assert server["url"] == "https://{server}/ns-api/v2"
    assert "public sources" in " ".join(decisions(server)).lower()


def test_every_operation_has_one_declared_tag_and_unique_id() -> None:
    declared = {t["name"] for t in spec()["tags"]}
    ids = [op.op_id for op in operations()]
    assert len(ids) == len(set(ids))
    for op in operations():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", op.op_id), op
        assert len(op.node["tags"]) == 1 and op.node["tags"][0] in declared, op


def test_security_is_a_bearer_token_or_the_password_grant_that_issues_one() -> None:
    schemes = spec()["components"]["securitySchemes"]
    assert list(schemes) == ["bearer", "oauth2"]
    bearer = schemes["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert "api key" in bearer["description"].lower()
    assert "public sources" in " ".join(decisions(bearer)).lower()
    grant = schemes["oauth2"]
    assert grant["type"] == "oauth2" and list(grant["flows"]) == ["password"]
    assert urlsplit(grant["flows"]["password"]["tokenUrl"]).path == "/ns-api/v2/tokens"
    # the guide: JSON is the only format the API takes, the token request included
    assert grant["x-voxspec-token-request"] == "json"
    assert "public sources" in " ".join(decisions(grant)).lower()
    assert spec()["security"] == [{"bearer": []}, {"oauth2": []}]
    assert "API Keys" in guide_text()


def test_tokens_is_an_unsecured_password_grant() -> None:
    op = operation("post", "/tokens")
    assert op.node["security"] == []
    assert "public sources" in " ".join(decisions(op.node)).lower()
    body = request_body(op)
    assert body is not None
    grant = properties(body["content"][JSON]["schema"])["grant_type"]
    assert "password" in grant["enum"]
    assert "access_token" in properties(response_schema(op, "200"))


def test_unsupported_scope_is_not_offered() -> None:
    scopes = UNSUPPORTED_SCOPE.findall(guide_text())
    assert scopes, "the guide no longer names an unsupported scope"
    user_scope = deref(properties(schema("User"))["user-scope"])
    for scope in scopes:
        assert scope not in user_scope["enum"]


def test_no_schema_forbids_unknown_fields() -> None:
    """The guide never says unknown fields are rejected; domain create even takes the domain user's options."""
    sections()["Domains"].find("All options for the domain user can be provided")
    for where, node in _schemas_with("additionalProperties"):
        assert node["additionalProperties"] is not False, where


def _schemas_with(key: str) -> Iterator[tuple[str, dict[str, Json]]]:
    def walk(node: Json, where: str) -> Iterator[tuple[str, dict[str, Json]]]:
        if isinstance(node, dict):
            if key in node:
                yield where, node
            for k, v in node.items():
                yield from walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{where}/{i}")

    yield from walk(spec()["components"]["schemas"], "/components/schemas")


# ----------------------------------------------------------------------------- general changes


def test_json_is_the_only_format_but_for_the_upload() -> None:
    sections()[GENERAL].find("JSON is now the only supported format")
    upload = sections()["Media / Audio"].find("File Upload")
    assert "form-based" in upload
    for op in operations():
        if _outside_v2(op):  # the API v1 token endpoint public clients sign in at takes OAuth2's form encoding
            assert op.node.get("x-voxspec-token-endpoint"), op
            continue
        body = request_body(op)
        media = set(body["content"]) if body else set()
        allowed = {JSON, MULTIPART} if op.node["tags"][0] in _media_tags() else {JSON}
        assert media <= allowed, f"{op}: request {media}"
        for code, raw in responses(op).items():
            content = deref(raw).get("content") or {}
            assert set(content) <= {JSON}, f"{op} {code}: {set(content)}"


def _outside_v2(op: Operation) -> bool:
    servers = spec()["paths"][op.path].get("servers") or []
    return any(not urlsplit(str(server["url"])).path.startswith("/ns-api/v2") for server in servers)


def _media_tags() -> set[str]:
    return {operation("post", c).node["tags"][0] for c in AREAS["Media / Audio"].collections}


def test_lists_are_arrays_and_items_objects() -> None:
    sections()[GENERAL].find("returned in array format even if there's only one result")
    lists = [op for op in operations() if "x-voxspec-pagination" in op.node]
    assert len(lists) >= len([c for a in AREAS.values() for c in a.collections])
    for op in lists:
        body = deref(response_schema(op, "200"))
        assert body["type"] == "array", op
        assert deref(body["items"])["type"] == "object", op
    for op in operations():
        if op.method == "get" and op not in lists:
            assert deref(response_schema(op, "200"))["type"] == ("array" if answers_in_array(op) else "object"), op


def answers_in_array(op: Operation) -> bool:
    """The published document answers some reads of one resource with an array holding it, against the guide's
    "specific resource requests will be returned as objects"; the spec follows it and says so at the read."""
    return any("answers this read of one resource with an array" in d for d in decisions(read_of(op).node))


def read_of(op: Operation) -> Operation:
    """The read of the resource an operation acts on: the GET of its path (of the item path for a create), else op."""
    path = next(iter(item_paths(op.path)), op.path) if op.method == "post" else op.path
    node = spec()["paths"].get(path, {}).get("get")
    return Operation("get", path, node) if isinstance(node, dict) else op


def test_list_paging_is_start_and_limit() -> None:
    for op in operations():
        if "x-voxspec-pagination" not in op.node:
            continue
        assert op.node["x-voxspec-pagination"] == {"style": "offset", "limit": "limit", "offset": "start"}, op
        query = {p["name"]: p for p in parameters(op) if p["in"] == "query"}
        start, limit = query["start"]["schema"], query["limit"]["schema"]
        assert (start["type"], start["default"], start["minimum"]) == ("integer", 0, 0), op
        assert (limit["type"], limit["default"], limit["maximum"]) == ("integer", 100, 1000), op


def test_404_on_read_update_delete_and_under_any_path_parameter() -> None:
    sections()[GENERAL].find("A 404 error will be returned for read, update, or delete")
    for op in operations():
        if path_params(op):
            assert "404" in responses(op), op


def test_error_body_is_one_component_with_code_and_message() -> None:
    fields = QUOTED.findall(sections()[GENERAL].find("Error responses will now be in valid JSON format"))
    assert fields == ["code", "message"]
    error = schema("Error")
    assert set(error["required"]) == set(fields)
    assert (error["properties"]["code"]["type"], error["properties"]["message"]["type"]) == ("integer", "string")
    for op in operations():
        for code, raw in responses(op).items():
            if code[0] in "45":
                assert "$ref" in raw and raw["$ref"].startswith("#/components/responses/"), f"{op} {code}"
                assert response_schema(op, code) == {"$ref": "#/components/schemas/Error"}, f"{op} {code}"
                media = deref(raw)["content"][JSON]
                assert "example" in media or "examples" in media, f"{op} {code}"


def test_writes_answer_202_with_code_and_message() -> None:
    fields = QUOTED.findall(sections()[GENERAL].find("for HTTP status 202"))
    assert fields == ["code", "message"]
    for op in operations():
        if is_write(op) or op.method == "patch":
            accepted = deref(response_schema(op, "202"))
            assert set(accepted["required"]) == set(fields), op
            assert accepted is not schema("Error")


def test_synchronous_writes_answer_200_with_the_object() -> None:
    bullet = sections()[GENERAL].find("synchronous")
    (option,) = QUOTED.findall(bullet)
    assert "returning a 200 response instead of 202" in bullet and "Some POST APIs" in bullet
    # "Some": the option is offered where the vendor's published document lists it, and the spec says so.
    said = " ".join(decisions(schema("Synchronous")))
    assert PUBLISHED in said and '"some POST APIs"' in said
    offered = [op for op in operations() if is_write(op) and op.node.get("x-voxspec-synchronous")]
    assert {"post", "put"} <= {op.method for op in offered} <= {"post", "put", "delete"}
    # A delete keeps the guide's option only where the published document answers it 200 (auto attendants,
    # voicemails); each says so beside the published document's answer.
    for op in offered:
        if op.method == "delete":
            assert PUBLISHED in " ".join(decisions(op.node)), op
    for op in operations():
        if not is_write(op):
            continue
        if op not in offered:
            assert "202" in responses(op) and "200" not in responses(op), op
            body = request_body(op)
            assert body is None or all(option not in properties(m["schema"]) for m in body["content"].values()), op
            continue
        assert op.node.get("x-voxspec-synchronous") == {"parameter": option, "value": "yes", "status": 200}, op
        body = request_body(op)
        assert body is not None, op
        for media in body["content"].values():
            flag = deref(properties(media["schema"])[option])
            assert flag["enum"] == ["yes", "no"], op
        obj = deref(response_schema(op, "200"))
        assert obj["type"] == ("array" if answers_in_array(op) else "object"), op
        # The object is the one a read of the resource answers, where the vendor has such a read (dial plans,
        # SMS numbers and a domain's subscriptions have none; auto attendants are read under their user).
        item = op.path if op.method != "post" else next(iter(item_paths(op.path)), None)
        read = spec()["paths"].get(item, {}).get("get") if item else None
        if item is not None and read is not None:
            assert response_schema(operation("get", item), "200") == response_schema(op, "200"), op
        else:
            assert decisions(op.node), f"{op}: no read of the resource, and no decision saying why"


def test_tilde_is_my_domain_and_user() -> None:
    bullet = sections()[GENERAL].find("tilde")
    assert "~" in QUOTED.findall(bullet)
    names = PATH_PARAM.findall(bullet)
    assert names == ["domain", "user"]
    assert spec()["x-voxspec-self-alias"]["value"] == "~"
    assert spec()["x-voxspec-self-alias"]["parameters"] == names
    seen = set()
    for op in operations():
        for param in path_params(op):
            if param["name"] in names:
                seen.add(param["name"])
                assert not list(validator(param["schema"]).iter_errors("~")), f"{op}: ~ refused"
                assert "~" in param["description"], op
    assert seen == set(names)


def test_string_path_parameters_are_not_empty() -> None:
    for op in operations():
        for param in path_params(op):
            param_schema = deref(param["schema"])
            if param_schema.get("type") == "string":
                assert param_schema.get("minLength") == 1, f"{op} {param['name']}"


def test_every_secured_operation_answers_401_and_input_400() -> None:
    for op in operations():
        codes = responses(op)
        if op.node.get("security", [{}]):
            assert "401" in codes, op
        if parameters(op) or request_body(op):
            assert "400" in codes, op


def test_rejected_creates_and_reseller_deletes_are_409() -> None:
    sections()["Phone Numbers"].find("duplicate protection")
    sections()["Reseller"].find("rejecting operations if domains already exist")
    conflict = spec()["components"]["responses"]["Conflict"]
    assert decisions(conflict), "the choice of 409 over 400 is not recorded"
    for op in operations():
        if op.method == "post" and is_write(op) and not op.path.endswith("}"):  # creates, not item actions
            assert responses(op).get("409") == {"$ref": "#/components/responses/Conflict"}, op
    assert "409" in responses(operation("delete", "/resellers/{reseller}"))


def test_inferred_operations_quote_the_guide() -> None:
    text = normal(guide_text())
    for op in operations():
        if op.node.get("x-voxspec-inferred"):
            assert normal(op.node["x-voxspec-inferred-from"]) in text, op
        else:
            assert decisions(op.node), f"{op} is neither inferred from the guide nor a recorded decision"


# ----------------------------------------------------------------------------- resources


@pytest.mark.parametrize("title", list(AREAS))
def test_resource_has_crud_paths(title: str) -> None:
    for collection in AREAS[title].collections:
        items = item_paths(collection)
        assert len(items) == 1, f"{collection}: item paths {items}"
        for method in ("get", "post"):
            operation(method, collection)
        for method in ("get", "put", "delete"):
            operation(method, items[0])


@pytest.mark.parametrize("title", list(AREAS))
def test_new_field_names_are_in_the_schemas(title: str) -> None:
    names = names_in(sections()[title])
    area = AREAS[title]
    # Request bodies alone do not count: a name must be in a schema that describes the stored resource.
    present = {name for s in area.schemas if not s.endswith(("Create", "Update")) for name in properties(schema(s))}
    main = properties(schema(area.schemas[0]))
    said = " ".join(d for s in area.schemas for d in decisions(schema(s)))
    for name in names.new:
        if name in CORRECTED:
            assert CORRECTED[name] in present, f"{title}: {CORRECTED[name]!r} (the guide's {name!r}) is missing"
            assert PUBLISHED in said and name in said, f"{title}: no decision says why not {name!r}"
            assert name not in present, f"{title}: both {name!r} and {CORRECTED[name]!r} are properties"
            continue
        assert name in present, f"{title}: {name!r} is not a property of {area.schemas}"
    for old, new in names.renamed.items():
        assert new in main, f"{title}: {new!r} (was {old!r}) is not a property of {area.schemas[0]}"


@pytest.mark.parametrize("title", list(AREAS))
def test_removed_field_names_are_nowhere(title: str) -> None:
    names = names_in(sections()[title])
    banned = {spelling for old in names.removed for spelling in spellings(old)}
    for where, name in all_property_names():
        assert name not in banned, f"{title}: v1 name {name!r} is still a property at {where}"
    for op in operations():
        assert not any(p["name"] in banned for p in parameters(op)), op
        if "subscriber" in names.removed:
            assert "subscriber" not in op.path, op


@pytest.mark.parametrize("title", list(AREAS))
def test_changed_enumerations_are_given_or_explained(title: str) -> None:
    main = properties(schema(AREAS[title].schemas[0]))
    for name in names_in(sections()[title]).enum_changed:
        node = main[name]
        assert "enum" in deref(node) or decisions(node), f"{title}: {name} has no enum and no decision saying why"


@pytest.mark.parametrize("title", [t for t in AREAS if any(TOGGLE_RECORDING.search(b) for b in sections()[t].bullets)])
def test_recording_toggles_on_create_and_update(title: str) -> None:
    for name in AREAS[title].schemas[1:3]:
        toggles = [
            p
            for n, p in properties(schema(name)).items()
            if "recording" in n and {"yes", "no"} <= set(deref(p)["enum"])
        ]
        assert toggles, f"{title}: {name} has no recording on/off field"


def test_device_rules_split_and_hidden_fields_shown() -> None:
    device = properties(schema("Device"))
    section = sections()["Device"]
    split = SPLIT_FIELD.findall(section.find("have been split into distinct fields"))
    assert split == ["call_processing_rules"]
    assert sum("call processing rules" in str(p.get("description", "")) for p in device.values()) >= 2
    (phrases,) = NOW_INCLUDED.findall(section.find("now included"))
    for phrase in re.split(r",\s*(?:and\s+)?|\s+and\s+", phrases):
        key = " ".join(phrase.split()[:2]).lower()
        assert any(key in str(p.get("description", "")).lower() for p in device.values()), key
    what, length = DEFAULT_LENGTH.findall(section.find("characters"))[0]
    holders = [p for n, p in device.items() if what.split()[-1] in n]
    assert holders and all(f"{length} characters" in p["description"] for p in holders)


def test_time_frames_carry_their_time_ranges() -> None:
    (name,) = NAMED_FIELD.findall(sections()["Time Frames"].find("time-range-data"))
    # The published document carries the guide's merged ranges in one array per kind of entry.
    ranges = properties(schema("Timeframe"))[CORRECTED[name]]
    assert ranges["type"] == "array"
    assert deref(ranges["items"])["type"] == "object"
    # "Better handling of default fields, so not all options are needed": an entry requires none of its fields,
    # and a create only the time frame's name and kind.
    sections()["Time Frames"].find("not all options are needed")
    assert not deref(ranges["items"]).get("required"), ranges["items"]
    assert set(schema("TimeframeCreate")["required"]) == {"timeframe-name", "timeframe-type"}


def test_answer_rule_features_have_enable_and_parameters_and_a_time_frame_key() -> None:
    bullet = sections()["Answer Rule"].find("Each feature")
    fields = [CORRECTED.get(_clean(t), _clean(t)) for t in QUOTED.findall(bullet)]
    feature = schema("AnswerRuleFeature")
    assert set(fields) <= set(feature["properties"])
    assert feature["properties"]["parameters"]["type"] == "array"
    rule = properties(schema("AnswerRule"))
    features = [n for n, p in rule.items() if p.get("$ref") == "#/components/schemas/AnswerRuleFeature"]
    assert len(features) >= 5
    assert "time-frame" in bullet and "time-frame" in rule
    (item,) = item_paths(AREAS["Answer Rule"].collections[0])
    assert item.endswith("{" + "time-frame".replace("-", "") + "}")


def test_agent_actions() -> None:
    bullet = sections()["Agents"].find("new paths")
    suffixes = ACTION_PATHS.findall(bullet.split("new paths", 1)[1])
    assert suffixes == ["/login", "/logout", "/{status}"]
    (item,) = item_paths(AREAS["Agents"].collections[0])
    for suffix in suffixes:
        op = operation("patch", item + suffix)
        assert "202" in responses(op) and "404" in responses(op), op


def test_phone_numbers_are_keyed_by_phonenumber() -> None:
    bullet = sections()["Phone Numbers"].find("serving as the key")
    (key,) = QUOTED.findall(bullet)
    (item,) = item_paths(AREAS["Phone Numbers"].collections[0])
    assert item.endswith("{" + key + "}")
    assert key in schema("PhoneNumber")["required"]
    responders = [p for p in properties(schema("PhoneNumber")).values() if "responder" in str(p.get("description"))]
    sections()["Phone Numbers"].find("Responder values")
    assert any("enum" in deref(p) for p in responders), "the responder values are not listed"


# The guide names the "Dialrule path" but not where it is; the path is the vendor's v2 layout (public sources).
DIAL_RULES = "/domains/{domain}/dialplans/{dialplan}/dialrules"


def test_dial_rule_path_offers_what_phone_numbers_dropped() -> None:
    bullet = sections()["Phone Numbers"].find("Dialrule path")
    dropped = [_clean(t) for t in QUOTED.findall(bullet)]
    assert dropped == ["source", "valid range", "time of day"]
    assert "from SU level" in bullet
    (item,) = item_paths(DIAL_RULES)
    ops = [operation(m, DIAL_RULES) for m in ("get", "post")] + [operation(m, item) for m in ("get", "put", "delete")]
    for op in ops:
        assert "403" in responses(op), f"{op}: the guide puts dial rules at SU level"
    said = normal(bullet)
    assert normal(operation("post", DIAL_RULES).node["x-voxspec-inferred-from"]) in said
    described = " ".join(str(p.get("description", "")) for p in properties(schema("DialRule")).values())
    for name in dropped:
        assert f'"{name}"' in described, f"no DialRule field says it holds what phone numbers called {name!r}"


def test_media_are_arrays_of_objects_in_three_formats() -> None:
    section = sections()["Media / Audio"]
    (kinds,) = TTS_FOR.findall(section.find("Built-in support for TTS"))
    segments = {MEDIA_SEGMENTS[k.strip()] for k in re.split(r",|\band\b", kinds) if k.strip()}
    collections = AREAS["Media / Audio"].collections
    assert {c.rsplit("/", 1)[1] for c in collections} == segments
    section.find("array of objects")
    assert "3 formats" in section.find("Base64")
    for collection in collections:
        items = deref(response_schema(operation("get", collection), "200"))
        assert items["type"] == "array" and "filename" in properties(items["items"]), collection
        (item,) = item_paths(collection)
        for op in (operation("post", collection), operation("put", item)):
            body = request_body(op)
            assert body is not None and set(body["content"]) == {JSON, MULTIPART}, op
            json_forms = deref(body["content"][JSON]["schema"])["anyOf"]
            assert len(json_forms) + 1 == 3, op
            required = [set(deref(f)["required"]) for f in json_forms]
            # The guide names no field; the vendor's published document spells it base64_file.
            assert any("base64_file" in r for r in required), op
            assert any(r == {"script"} for r in required), op
            tts = next(f for f in json_forms if set(deref(f)["required"]) == {"script"})
            assert any("voice" in n for n in properties(tts)), op
            form = properties(body["content"][MULTIPART]["schema"])
            assert any(deref(p).get("format") == "binary" for p in form.values()), op


# ----------------------------------------------------------------------------- the published families

# What an integrator uses daily, from the vendor's published v2 document (tags there in comments): every
# operation of these families, by the operationId we give it. The published document's own variants of one
# method and path (three CDR reads, six message sends, two session updates) are one operation each here.
PUBLISHED_FAMILIES: dict[str, list[tuple[str, str, str]]] = {
    "Calls (live/active calls)": [
        ("get", "/domains/{domain}/calls", "list_domain_calls"),
        ("get", "/domains/{domain}/calls/count", "count_domain_calls"),
        ("get", "/domains/{domain}/users/{user}/calls", "list_user_calls"),
        ("post", "/domains/{domain}/users/{user}/calls", "make_call"),
        ("get", "/domains/{domain}/users/{user}/calls/{callid}", "get_call"),
        ("delete", "/domains/{domain}/users/{user}/calls/{callid}", "hang_up_call"),
        ("patch", "/domains/{domain}/users/{user}/calls/{callid}/transferPeer", "transfer_call_peer"),
        ("patch", "/domains/{domain}/users/{user}/calls/{callid}/transfer", "transfer_call"),
        ("patch", "/domains/{domain}/users/{user}/calls/{callid}/answer", "answer_call"),
        ("patch", "/domains/{domain}/users/{user}/calls/{callid}/hold", "hold_call"),
        ("patch", "/domains/{domain}/users/{user}/calls/{callid}/unhold", "unhold_call"),
        ("delete", "/domains/{domain}/users/{user}/calls/{callid}/reject", "reject_call"),
        ("post", "/calls/report", "report_active_calls"),
    ],
    "CDR (Call History)": [
        ("get", "/cdrs", "list_cdrs"),
        ("get", "/domains/{domain}/cdrs", "list_domain_cdrs"),
        ("get", "/domains/{domain}/users/{user}/cdrs", "list_user_cdrs"),
        ("get", "/cdrs/count", "count_cdrs"),
        ("get", "/domains/{domain}/cdrs/count", "count_domain_cdrs"),
        ("get", "/domains/{domain}/users/{user}/cdrs/count", "count_user_cdrs"),
    ],
    "Event Subscriptions": [
        ("get", "/subscriptions", "list_subscriptions"),
        ("post", "/subscriptions", "create_subscription"),
        ("get", "/domains/{domain}/subscriptions", "list_domain_subscriptions"),
        ("post", "/domains/{domain}/subscriptions", "create_domain_subscription"),
        ("get", "/subscriptions/{id}", "get_subscription"),
        ("put", "/subscriptions/{id}", "update_subscription"),
        ("delete", "/subscriptions/{id}", "delete_subscription"),
        ("put", "/domains/{domain}/subscriptions/{id}", "update_domain_subscription"),
        ("delete", "/domains/{domain}/subscriptions/{id}", "delete_domain_subscription"),
    ],
    "Media/Voicemail": [
        ("get", "/domains/{domain}/users/{user}/voicemails/{folder}", "list_voicemails"),
        ("get", "/domains/{domain}/users/{user}/voicemails/{folder}/count", "count_voicemails"),
        ("get", "/domains/{domain}/users/{user}/voicemails/{folder}/{filename}", "get_voicemail"),
        ("delete", "/domains/{domain}/users/{user}/voicemails/{folder}/{filename}", "delete_voicemail"),
        ("patch", "/domains/{domain}/users/{user}/voicemails/{folder}/{filename}/save", "save_voicemail"),
        ("patch", "/domains/{domain}/users/{user}/voicemails/{folder}/{filename}/forward", "forward_voicemail"),
    ],
    "Recordings": [
        ("get", "/domains/{domain}/users/{user}/recordings/{callid}", "get_user_recording"),
        ("get", "/domains/{domain}/recordings/{callid}", "get_domain_recording"),
    ],
    "Contacts": [
        ("get", "/domains/{domain}/users/{user}/contacts", "list_contacts"),
        ("post", "/domains/{domain}/users/{user}/contacts", "create_contact"),
        ("get", "/domains/{domain}/users/{user}/contacts/{contact_id}", "get_contact"),
        ("put", "/domains/{domain}/users/{user}/contacts/{contact_id}", "update_contact"),
        ("delete", "/domains/{domain}/users/{user}/contacts/{contact_id}", "delete_contact"),
        ("get", "/domains/{domain}/users/{user}/contacts/count", "count_contacts"),
        ("get", "/domains/~/users/~/contacts", "list_my_contacts"),
    ],
    "Contacts/Shared Contacts": [
        ("get", "/domains/{domain}/contacts", "list_shared_contacts"),
        ("post", "/domains/{domain}/contacts", "create_shared_contact"),
        ("get", "/domains/{domain}/contacts/{contact_id}", "get_shared_contact"),
        ("put", "/domains/{domain}/contacts/{contact_id}", "update_shared_contact"),
        ("delete", "/domains/{domain}/contacts/{contact_id}", "delete_shared_contact"),
    ],
    "Sites": [
        ("get", "/domains/{domain}/sites/list", "list_site_entries"),
        ("get", "/domains/{domain}/sites", "list_sites"),
        ("post", "/domains/{domain}/sites", "create_site"),
        ("get", "/domains/{domain}/sites/count", "count_sites"),
        ("put", "/domains/{domain}/sites/{site}", "update_site"),
        ("get", "/domains/{domain}/sites/{site}", "get_site"),
    ],
    "Conference/Conferences": [
        ("get", "/domains/{domain}/conferences", "list_conferences"),
        ("post", "/domains/{domain}/conferences", "create_conference"),
        ("get", "/domains/{domain}/conferences/{conference}", "get_conference"),
        ("put", "/domains/{domain}/conferences/{conference}", "update_conference"),
        ("delete", "/domains/{domain}/conferences/{conference}", "delete_conference"),
        ("get", "/domains/{domain}/conferences/count", "count_conferences"),
        ("get", "/domains/{domain}/conferences/{conference}/cdr", "list_conference_cdrs"),
    ],
    "Conference/Participants": [
        ("get", "/domains/{domain}/conferences/{conference}/participants", "list_conference_participants"),
        ("post", "/domains/{domain}/conferences/{conference}/participants", "add_conference_participant"),
        (
            "put",
            "/domains/{domain}/conferences/{conference}/participants/{participant}",
            "update_conference_participant",
        ),
        (
            "delete",
            "/domains/{domain}/conferences/{conference}/participants/{participant}",
            "remove_conference_participant",
        ),
    ],
    "Auto Attendant": [
        ("post", "/domains/{domain}/autoattendants", "create_auto_attendant"),
        ("get", "/domains/{domain}/autoattendants", "list_auto_attendants"),
        ("get", "/domains/{domain}/users/{user}/autoattendants/{prompt}", "get_auto_attendant"),
        ("put", "/domains/{domain}/users/{user}/autoattendants/{prompt}", "update_auto_attendant"),
        ("delete", "/domains/{domain}/users/{user}/autoattendants/{prompt}", "delete_auto_attendant"),
    ],
    "Dialrule": [
        ("get", DIAL_RULES, "list_dial_rules"),
        ("post", DIAL_RULES, "create_dial_rule"),
        ("get", DIAL_RULES + "/count", "count_dial_rules"),
        ("get", DIAL_RULES + "/{dialrule}", "get_dial_rule"),
        ("put", DIAL_RULES + "/{dialrule}", "update_dial_rule"),
        ("delete", DIAL_RULES + "/{dialrule}", "delete_dial_rule"),
        ("get", "/dialplans", "list_dial_plans"),
        ("post", "/dialplans", "create_dial_plan"),
        ("post", "/domains/{domain}/dialplans", "create_domain_dial_plan"),
        ("put", "/domains/{domain}/dialplans/{dialplan}", "update_dial_plan"),
        ("delete", "/domains/{domain}/dialplans/{dialplan}", "delete_dial_plan"),
    ],
    "SMS Numbers": [
        ("get", "/domains/{domain}/smsnumbers", "list_sms_numbers"),
        ("post", "/domains/{domain}/smsnumbers", "create_sms_number"),
        ("get", "/smsnumbers", "list_all_sms_numbers"),
        ("put", "/domains/{domain}/smsnumbers/{smsnumber}", "update_sms_number"),
        ("delete", "/domains/{domain}/smsnumbers/{smsnumber}", "delete_sms_number"),
        ("get", "/domains/{domain}/users/{user}/smsnumbers", "list_user_sms_numbers"),
        ("get", "/domains/{domain}/users/{user}/smsnumbers/count", "count_user_sms_numbers"),
    ],
    "Messages": [
        ("get", "/domains/{domain}/messagesessions", "list_domain_message_sessions"),
        ("post", "/domains/{domain}/users/{user}/messages", "start_message_session"),
        ("get", "/domains/{domain}/users/{user}/messagesessions", "list_message_sessions"),
        ("get", "/domains/{domain}/users/{user}/messagesessions/{messagesession}", "get_message_session"),
        ("put", "/domains/{domain}/users/{user}/messagesessions/{messagesession}", "update_message_session"),
        ("delete", "/domains/{domain}/users/{user}/messagesessions/{messagesession}", "delete_message_session"),
        ("get", "/domains/{domain}/users/{user}/messagesessions/{messagesession}/messages", "list_messages"),
        ("post", "/domains/{domain}/users/{user}/messagesessions/{messagesession}/messages", "send_message"),
        ("put", "/domains/{domain}/users/{user}/messagesessions/{messagesession}/leave", "leave_message_session"),
    ],
}
PUBLISHED_DOC = "netsapiens-api-v2-v45.0.openapi.json"
# Operations of these families modelled earlier from the guide (its Dialrule path); they quote the guide instead.
FROM_THE_GUIDE = {"list_dial_rules", "create_dial_rule", "get_dial_rule", "update_dial_rule", "delete_dial_rule"}
# What these operations do to calls, messages and mailboxes: each is marked as an action.
ACTIONS = {
    "make_call", "hang_up_call", "transfer_call_peer", "transfer_call", "answer_call", "hold_call", "unhold_call",
    "reject_call", "save_voicemail", "forward_voicemail", "add_conference_participant", "remove_conference_participant",
    "start_message_session", "send_message", "leave_message_session",
}  # fmt: skip


@pytest.mark.parametrize("family", list(PUBLISHED_FAMILIES))
def test_published_family_is_modelled(family: str) -> None:
    for method, path, op_id in PUBLISHED_FAMILIES[family]:
        op = operation(method, path)
        assert op.op_id == op_id, op
        if op_id not in FROM_THE_GUIDE:
            assert any(PUBLISHED_DOC in d for d in decisions(op.node)), (
                f"{op}: no decision names the published document"
            )


def test_actions_on_calls_messages_and_mailboxes_are_marked() -> None:
    ours = {op_id for ops in PUBLISHED_FAMILIES.values() for _, _, op_id in ops}
    for op in operations():
        if op.op_id in ours:
            effect = op.node.get("x-voxspec-effects")
            if op.op_id in ACTIONS:
                assert isinstance(effect, str) and effect.strip(), op
            else:
                assert effect is None, op


def test_every_emitted_event_is_a_webhook_of_a_subscription_model() -> None:
    hooks = {
        item["post"]["x-voxspec-webhook-event"]["event"]: item["post"] for item in spec().get("webhooks", {}).values()
    }
    models = set(deref(properties(schema("Subscription"))["model"])["enum"])
    assert hooks and set(hooks) <= models
    for hook in hooks.values():
        media = hook["requestBody"]["content"][JSON]
        assert "example" in media and deref(media["schema"])["type"] == "object", hook["operationId"]
        assert not list(validator(media["schema"]).iter_errors(media["example"])), hook["operationId"]
    emitted = {e for op in operations() for e in op.node.get("x-voxspec-emits", [])}
    assert emitted and emitted <= set(hooks)
    for method, path in (("post", "/subscriptions"), ("post", "/domains/{domain}/subscriptions")):
        rule = operation(method, path).node["x-voxspec-subscription"]
        body = request_body(operation(method, path))
        assert body is not None
        fields = properties(body["content"][JSON]["schema"])
        assert {rule["url"], rule["event"]} <= set(fields) and rule["event"] == "model"
