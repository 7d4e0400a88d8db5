"""Stateful CRUD: which operations create, read, list, update, replace or delete which resource,
and how each one acts on the store and shapes its answer.

Operations are tied to resources by `x-voxspec-crud`, or else by method and path
(POST/GET on a collection, GET/PUT/PATCH/DELETE on `collection/{id}`).
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from typing import Any

from .shapes import MISSING, Validate, at, conform, envelope, id_candidates, is_array, merge_patch, properties
from .state import WILDCARD, Store

DELETED = "\u0000deleted"  # a tombstone {DELETED: key} hides a seeded record in the one parent it was deleted from
TEMPLATE = re.compile(r"^\{([^{}]+)\}$")
ITEM_ACTIONS = {"GET": "read", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
COUNT_FIELDS = ("total", "totalCount", "total_count", "totalElements", "totalItems", "count")


@dataclass(frozen=True)
class Binding:
    kind: str
    action: str  # create | read | list | update | replace | delete
    id_name: str | None  # the name of the resource's id (a path parameter of item operations)
    id_in_path: bool
    scope: tuple[str, ...]  # the other path parameters: the parent the resource lives under
    field: str | None = None  # the body field holding the id, when x-voxspec-crud names it


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _path_params(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op["parameters"] if p["in"] == "path"]


def _letters(name: str) -> str:
    """A field name without case, hyphens or underscores: `time-frame`, `timeFrame` and `time_frame` match."""
    return "".join(c for c in name.lower() if c.isalnum())


def bindings(operations: dict[str, dict[str, Any]]) -> dict[str, Binding]:
    """Every operation that acts on a resource, keyed by operationId."""
    out: dict[str, Binding] = {}
    inferred: dict[str, tuple[str, str, str | None]] = {}
    item_kinds: set[str] = set()
    for op_id, op in operations.items():
        declared = (op.get("extensions") or {}).get("x-voxspec-crud")
        params = _path_params(op)
        if isinstance(declared, dict) and declared.get("resource") and declared.get("action"):
            id_name = declared.get("id")
            id_name = str(id_name) if id_name else None
            in_path = id_name is not None and id_name in params
            out[op_id] = Binding(
                str(declared["resource"]),
                str(declared["action"]),
                id_name,
                in_path,
                tuple(p for p in params if p != id_name or not in_path),
                str(declared["field"]) if declared.get("field") else None,
            )
            continue
        segments = _segments(op["path"])
        if not segments:
            continue
        last = TEMPLATE.match(segments[-1])
        if last and op["method"] in ITEM_ACTIONS:
            kind = "/".join("{}" if TEMPLATE.match(s) else s for s in segments[:-1])
            inferred[op_id] = (kind, ITEM_ACTIONS[op["method"]], last.group(1))
            item_kinds.add(kind)
        elif not last and op["method"] in ("POST", "GET"):
            kind = "/".join("{}" if TEMPLATE.match(s) else s for s in segments)
            action = "create" if op["method"] == "POST" else "list"
            if action == "create" and not op.get("body"):
                continue
            inferred[op_id] = (kind, action, None)
    # A collection path is a resource only when something addresses its items by id.
    ids: dict[str, str] = {kind: id_name for kind, _, id_name in inferred.values() if id_name}
    for op_id, (kind, action, id_name) in inferred.items():
        if kind not in item_kinds:
            continue
        params = _path_params(operations[op_id])
        name = id_name or ids.get(kind)
        out[op_id] = Binding(kind, action, name, id_name is not None, tuple(p for p in params if p != id_name))
    return out


@dataclass
class Outcome:
    status_key: str | None  # a declared response to answer with; None: the operation's success
    body: Any
    headers: dict[str, str]
    found: bool = True


class Crud:
    """The engine: one instance per server, over one store."""

    def __init__(self, spec: Any, store: Store) -> None:
        self.spec = spec
        self.store = store
        self.bindings = bindings(spec.operations)
        self.by_kind: dict[str, dict[str, str]] = {}
        for op_id, b in self.bindings.items():
            self.by_kind.setdefault(b.kind, {}).setdefault(b.action, op_id)
        self._id_fields: dict[str, str | None] = {}
        self._async_polls = self._polls()

    # -- facts about resources -------------------------------------------------------------
    def first_error(self) -> Validate:
        def check(schema: Any, value: Any) -> Any:
            return next(iter(self.spec.validator(schema).iter_errors(value)), None)

        return check

    def resource_schema(self, kind: str) -> tuple[Any, Any]:
        """(schema, example) of one resource: the read answer, else the create answer, else a list item."""
        actions = self.by_kind.get(kind, {})
        for action in ("read", "create", "replace", "update"):
            op_id = actions.get(action)
            if op_id is None:
                continue
            schema, example = self.success(op_id)
            env = envelope(schema, self.spec.resolve) if schema is not None else None
            if env and env.get("data"):
                data_schema = properties(schema, self.spec.resolve).get(env["data"])
                data_example = example.get(env["data"]) if isinstance(example, dict) else None
                if data_schema is not None and isinstance(data_example, dict):
                    return data_schema, data_example
            elif isinstance(example, dict):
                return schema, example
            elif self._one_item_array(schema, example):
                return self.spec.resolve(schema).get("items"), example[0]
        op_id = actions.get("list")
        if op_id is not None:
            schema, example = self.success(op_id)
            items_schema, items_example = self._list_location(op_id, schema, example)[1:]
            if items_schema is not None and isinstance(items_example, list) and items_example:
                return self.spec.resolve(items_schema).get("items"), items_example[0]
        return None, None

    def _one_item_array(self, schema: Any, example: Any) -> bool:
        """Whether a read answers one resource as an array holding it, as some vendors do."""
        return (
            schema is not None
            and is_array(schema, self.spec.resolve)
            and isinstance(example, list)
            and bool(example)
            and isinstance(example[0], dict)
        )

    def success(self, op_id: str, status_key: str | None = None) -> tuple[Any, Any]:
        op = self.spec.operations[op_id]
        declared = op["responses"].get(status_key or op["success"]) or {}
        examples = declared.get("examples") or []
        return declared.get("schema"), (examples[0] if examples else None)

    def id_field(self, kind: str) -> str | None:
        """The field of a resource that holds its id: as x-voxspec-crud names it, else the field named like the
        id path parameter (`timeframe` finds `time-frame`), else `id`, `uuid` or `name`."""
        if kind not in self._id_fields:
            named = next((b.field for b in self.bindings.values() if b.kind == kind and b.field), None)
            binding = next((b for b in self.bindings.values() if b.kind == kind and b.id_name), None)
            schema, _ = self.resource_schema(kind)
            props = properties(schema, self.spec.resolve) if schema is not None else {}
            by_letters = {_letters(name): name for name in props}
            names = id_candidates(binding.id_name) if binding and binding.id_name else ["id"]
            found = next((by_letters[_letters(n)] for n in names if _letters(n) in by_letters), None)
            self._id_fields[kind] = named if named is not None else found
        return self._id_fields[kind]

    def id_schema(self, kind: str) -> Any:
        for op_id, b in self.bindings.items():
            if b.kind == kind and b.id_in_path:
                for p in self.spec.operations[op_id]["parameters"]:
                    if p["in"] == "path" and p["name"] == b.id_name:
                        return p["schema"]
        return {}

    def _polls(self) -> dict[str, dict[str, Any]]:
        polls: dict[str, dict[str, Any]] = {}
        for op in self.spec.operations.values():
            rule = (op.get("extensions") or {}).get("x-voxspec-async")
            if isinstance(rule, dict) and rule.get("poll") and isinstance(rule.get("states"), list):
                polls[str(rule["poll"])] = rule
        return polls

    # -- seeding -----------------------------------------------------------------------------
    def seed(self) -> None:
        """The spec's examples as the first records, visible under every parent."""
        if self.store.seeded():
            return
        for kind in self.by_kind:
            schema, example = self.resource_schema(kind)
            field = self.id_field(kind)
            if field is None or not isinstance(example, dict) or field not in example:
                continue
            candidates = [example]
            list_op = self.by_kind[kind].get("list")
            if list_op is not None:
                list_schema, list_example = self.success(list_op)
                items = self._list_location(list_op, list_schema, list_example)[2]
                if isinstance(items, list):
                    candidates += [i for i in items if isinstance(i, dict) and field in i]
            for record in candidates:
                fitted = conform(record, schema, example, self.first_error())
                if isinstance(fitted, dict) and field in fitted:
                    self.store.put(kind, WILDCARD, str(fitted[field]), fitted)
        self.store.mark_seeded()

    def subscribers(self, event: str) -> list[str]:
        """The URLs of the stored subscriptions to `event`: records created by an operation whose
        `x-voxspec-subscription` names the fields holding the URL and the event; seeded examples are not callers'."""
        urls: list[str] = []
        for op_id, binding in self.bindings.items():
            rule = (self.spec.operations[op_id].get("extensions") or {}).get("x-voxspec-subscription")
            if binding.action != "create" or not isinstance(rule, dict):
                continue
            for scope, record in self.store.list_all(binding.kind):
                if scope == WILDCARD or not isinstance(record, dict):
                    continue
                url = record.get(str(rule.get("url")))
                if (
                    isinstance(url, str)
                    and url
                    and str(record.get(str(rule.get("event")))) == event
                    and url not in urls
                ):
                    urls.append(url)
        return urls

    def seeded_key(self, id_name: str) -> str | None:
        """The first seeded id of the resource whose id parameter is `id_name` (for self-aliases)."""
        for kind, actions in self.by_kind.items():
            op_id = actions.get("read")
            if op_id and self.bindings[op_id].id_name == id_name and self.id_field(kind):
                records = self.store.list(kind, WILDCARD)
                if records:
                    return str(records[0][self.id_field(kind)])
        return None

    # -- the actions -------------------------------------------------------------------------
    def scope(self, binding: Binding, path: dict[str, Any]) -> str:
        return "/".join(f"{name}={path.get(name)}" for name in binding.scope)

    def find(self, kind: str, scope: str, key: str) -> tuple[str, Any] | None:
        for where in (scope, WILDCARD):
            record = self.store.get(kind, where, key)
            if isinstance(record, dict) and DELETED in record:
                return None
            if record is not None:
                return where, record
        return None

    def act(self, op_id: str, path: dict[str, Any], query: dict[str, Any], body: Any) -> Outcome | None:
        """The answer of a resource operation, or None when the operation is not one."""
        binding = self.bindings.get(op_id)
        if binding is None:
            return None
        scope = self.scope(binding, path)
        if binding.action == "create":
            return self.create(op_id, binding, scope, path, body)
        if binding.action == "list":
            return self.listing(op_id, binding, scope, query)
        key = str(path.get(binding.id_name or "", ""))
        found = self.find(binding.kind, scope, key)
        if found is None:
            if binding.action in ("update", "replace") and not binding.id_in_path:
                return None
            return Outcome("404", None, {}, found=False)
        where, record = found
        if binding.action == "read":
            record = self._advance(op_id, binding, where, key, record)
            return Outcome(None, self.answer(op_id, record), {})
        if binding.action == "delete":
            self.store.delete(binding.kind, where, key)
            if scope != WILDCARD and self.store.get(binding.kind, WILDCARD, key) is not None:
                self.store.put(binding.kind, scope, key, {DELETED: key})
            return Outcome(None, self.answer(op_id, record), {})
        if not isinstance(body, dict):
            return Outcome(None, self.answer(op_id, record), {})
        fields = {k: v for k, v in body.items() if k != self.sync_parameter(op_id)}
        known = properties(self.resource_schema(binding.kind)[0], self.spec.resolve)
        if known:
            fields = {k: v for k, v in fields.items() if k in known}
        field = self.id_field(binding.kind)
        if binding.action == "update":
            changed = merge_patch(record, fields)
        else:  # a full replacement keeps only what the client cannot send: ids and server fields
            changed = {**self._server_fields(op_id, record), **fields}
        if field is not None:
            changed[field] = record.get(field)
        changed = self._start_async(op_id, changed)
        changed = self.fit(binding.kind, changed, record)
        self.store.put(binding.kind, where, key, changed)
        return Outcome(None, self.answer(op_id, changed), {})

    def create(self, op_id: str, binding: Binding, scope: str, path: dict[str, Any], body: Any) -> Outcome:
        kind = binding.kind
        schema, example = self.resource_schema(kind)
        field = self.id_field(kind)
        fields = {k: v for k, v in body.items() if k != self.sync_parameter(op_id)} if isinstance(body, dict) else {}
        known = properties(schema, self.spec.resolve)
        if known:  # what the resource does not show (a password, options) is not echoed back
            fields = {k: v for k, v in fields.items() if k in known}
        record: dict[str, Any] = {**(copy.deepcopy(example) if isinstance(example, dict) else {}), **fields}
        for name, value in path.items():
            if name in properties(schema, self.spec.resolve) and name not in fields:
                record[name] = value
        key = self.new_key(kind, fields.get(field) if field else None)
        if field is not None:
            record[field] = self._typed_id(kind, field, key)
        record = self._start_async(op_id, record)
        record = self.fit(kind, record, example)
        if field is not None and isinstance(record, dict) and field in record:
            key = str(record[field])
        self.store.put(kind, scope, key, record)
        headers: dict[str, str] = {}
        declared = self.spec.operations[op_id]["responses"].get(self.spec.operations[op_id]["success"]) or {}
        location = self.location(kind, path, key)
        if location and "Location" in (declared.get("headers") or []):
            headers["Location"] = location
        return Outcome(None, self.answer(op_id, record, location), headers)

    def listing(self, op_id: str, binding: Binding, scope: str, query: dict[str, Any]) -> Outcome | None:
        schema, example = self.success(op_id)
        where, _, _ = self._list_location(op_id, schema, example)
        if where is None:
            return None
        records = self.store.list(binding.kind, scope)
        field = self.id_field(binding.kind)
        if scope != WILDCARD and field is not None:
            # seeded records show under every parent, unless this parent replaced or deleted them
            hidden = {str(r.get(DELETED, r.get(field))) for r in records if isinstance(r, dict)}
            records += [r for r in self.store.list(binding.kind, WILDCARD) if str(r.get(field)) not in hidden]
        records = [r for r in records if not (isinstance(r, dict) and DELETED in r)]
        op = self.spec.operations[op_id]
        paging = (op.get("extensions") or {}).get("x-voxspec-pagination") or {}
        skip = {str(v) for k, v in paging.items() if k in ("limit", "offset", "page", "size")}
        for name, value in query.items():
            if name in skip or isinstance(value, dict):
                continue
            wanted = {str(v) for v in value} if isinstance(value, list) else {str(value)}
            records = [r for r in records if not isinstance(r, dict) or name not in r or str(r[name]) in wanted]
        total = len(records)
        records = self._page(op, paging, query, records)
        if where == ():
            body: Any = records
        else:
            body = copy.deepcopy(example) if isinstance(example, dict) else {}
            at(body, list(where[:-1]))[where[-1]] = records
            for count in COUNT_FIELDS:
                if isinstance(body.get(count), int) and not isinstance(body.get(count), bool):
                    body[count] = total
        return Outcome(None, conform(body, schema, example, self.first_error()), {})

    # -- helpers -----------------------------------------------------------------------------
    def _list_location(self, op_id: str, schema: Any, example: Any) -> tuple[tuple[str, ...] | None, Any, Any]:
        """Where the items of a list answer are: () for a bare array, else the path of the field."""
        if schema is None:
            return None, None, None
        if is_array(schema, self.spec.resolve):
            return (), schema, example
        paging = (self.spec.operations[op_id].get("extensions") or {}).get("x-voxspec-pagination") or {}
        props = properties(schema, self.spec.resolve)
        env = envelope(schema, self.spec.resolve)
        names = [paging.get("items"), env.get("data") if env else None, *props.keys()]
        for name in names:
            if isinstance(name, str) and name in props and is_array(props[name], self.spec.resolve):
                items = example.get(name) if isinstance(example, dict) else None
                return (name,), props[name], items
        return None, None, None

    def _page(self, op: dict[str, Any], paging: dict[str, Any], query: dict[str, Any], records: list[Any]) -> list[Any]:
        style = paging.get("style")
        if style == "offset":
            offset = _int(query.get(str(paging.get("offset"))), 0)
            limit = _int(query.get(str(paging.get("limit"))), len(records))
            return records[max(offset, 0) : max(offset, 0) + max(limit, 0)]
        if style == "page":
            page_name, size_name = str(paging.get("page")), str(paging.get("size"))
            first = 1
            for p in op["parameters"]:
                if p["name"] == page_name:
                    first = _int(self.spec.resolve(p["schema"]).get("minimum"), 1)
            size = _int(query.get(size_name), len(records) or 1)
            page = _int(query.get(page_name), first) - first
            return records[max(page, 0) * max(size, 1) : (max(page, 0) + 1) * max(size, 1)]
        return records

    def answer(self, op_id: str, record: Any, location: str | None = None) -> Any:
        """The success body of an operation for one record, in the shape the operation declares."""
        schema, example = self.success(op_id)
        if schema is None:
            return None
        env = envelope(schema, self.spec.resolve)
        body: Any
        if env and env.get("data") and isinstance(example, dict):
            body = copy.deepcopy(example)
            body[env["data"]] = record
        elif isinstance(record, dict) and is_array(schema, self.spec.resolve):
            body = [copy.deepcopy(record)]  # one resource, answered as an array holding it
        else:
            body = copy.deepcopy(record)
            if location and isinstance(body, dict):
                for name in properties(schema, self.spec.resolve):
                    if name in ("url", "location", "href", "self") and name not in body:
                        body[name] = location
        return conform(body, schema, example, self.first_error())

    def fit(self, kind: str, record: Any, fallback: Any) -> Any:
        schema, example = self.resource_schema(kind)
        base = fallback if isinstance(fallback, dict) else example
        return conform(record, schema, base, self.first_error())

    def _server_fields(self, op_id: str, record: Any) -> dict[str, Any]:
        body = self.spec.operations[op_id].get("body") or {}
        writable: set[str] = set()
        for schema in (body.get("content") or {}).values():
            writable |= set(properties(schema, self.spec.resolve))
        return {k: v for k, v in record.items() if k not in writable} if isinstance(record, dict) else {}

    def new_key(self, kind: str, given: Any) -> str:
        """A new id: the one the client gave when it fits the id parameter, else a fresh one that does."""
        schema = self.id_schema(kind)
        check = self.first_error()
        resolved = self.spec.resolve(schema) if schema else {}
        kinds = resolved.get("type") if isinstance(resolved, dict) else None
        # Names chosen by the client (a domain, a user's extension) are kept; numbers the server counts.
        if isinstance(given, str) and given and check(schema, given) is None:
            return given
        n = self.store.next_id(kind)
        candidates: list[Any] = []
        if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
            candidates += [1000 + n, n]
        candidates += [str(uuid.uuid4()) if resolved.get("format") == "uuid" else f"{1000 + n}", str(uuid.uuid4())]
        for value in candidates:
            if check(schema, value) is None:
                return str(value)
        return str(uuid.uuid4())

    def _typed_id(self, kind: str, field: str, key: str) -> Any:
        schema, _ = self.resource_schema(kind)
        prop = self.spec.resolve(properties(schema, self.spec.resolve).get(field, {}))
        kinds = prop.get("type") if isinstance(prop, dict) else None
        integer = kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)
        return int(key) if integer and key.lstrip("-").isdigit() else key

    def location(self, kind: str, path: dict[str, Any], key: str) -> str | None:
        op_id = self.by_kind.get(kind, {}).get("read")
        if op_id is None:
            return None
        op = self.spec.operations[op_id]
        values = {**{k: str(v) for k, v in path.items()}, str(self.bindings[op_id].id_name): key}
        text = str(self.spec.data.get("base_path", "")) + str(op["path"])
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def sync_parameter(self, op_id: str) -> str | None:
        rule = (self.spec.operations[op_id].get("extensions") or {}).get("x-voxspec-synchronous")
        return str(rule["parameter"]) if isinstance(rule, dict) and rule.get("parameter") else None

    def _start_async(self, op_id: str, record: Any) -> Any:
        rule = (self.spec.operations[op_id].get("extensions") or {}).get("x-voxspec-async")
        if isinstance(rule, dict) and isinstance(record, dict) and rule.get("states"):
            record[str(rule.get("status-field", "status"))] = rule["states"][0]
        return record

    def _advance(self, op_id: str, binding: Binding, where: str, key: str, record: Any) -> Any:
        """A poll moves an accepted resource one state on, until its final state."""
        rule = self._async_polls.get(op_id)
        if rule is None or not isinstance(record, dict):
            return record
        states = rule["states"]
        field = str(rule.get("status-field", "status"))
        current = record.get(field)
        if current in states[:-1]:
            moved = {**record, field: states[states.index(current) + 1]}
            moved = self.fit(binding.kind, moved, record)
            if moved.get(field) != current:
                self.store.put(binding.kind, where, key, moved)
                return moved
        return record


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or value is None or value is MISSING:
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default
