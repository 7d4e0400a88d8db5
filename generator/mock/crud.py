"""Stateful CRUD: which operations create, read, list, update, replace or delete which resource,
and how each one acts on the store and shapes its answer.

Operations are tied to resources as the spec declares it (`x-voxspec-crud`, the runtime data's `crud`), or else
by method and path
(POST/GET on a collection, GET/PUT/PATCH/DELETE on `collection/{id}`). A resource whose item path is a
prefix of another operation's path is that operation's parent: a missing parent is the vendor's 404, and a
record lives under the one parent its path names (its scope).
"""

from __future__ import annotations

import copy
import math
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from . import paging, seeding
from .integrity import Rules, clash, rules
from .shapes import (
    Validate,
    at,
    conform,
    id_candidates,
    is_array,
    letters,
    merge_patch,
    properties,
    swap,
)
from .state import MemoryStore, Store, decode, encode

TEMPLATE = re.compile(r"^\{([^{}]+)\}$")
ITEM_ACTIONS = {"GET": "read", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
GENERIC_IDS = ("id", "uuid", "name")  # id_candidates' last resort, never the field of a parent's id
ASYNC = "::async"  # the store's kind for when each accepted resource entered its async state
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Binding:
    kind: str
    action: str  # create | read | list | update | replace | delete
    id_name: str | None  # the name of the resource's id (a path parameter of item operations)
    id_in_path: bool
    scope: tuple[str, ...]  # the other path parameters: the parent the resource lives under
    field: str | None = None  # the body field holding the id, when the declared binding names it


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _path_params(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op["parameters"] if p["in"] == "path"]


def bindings(operations: dict[str, dict[str, Any]]) -> dict[str, Binding]:
    """Every operation that acts on a resource, keyed by operationId."""
    out: dict[str, Binding] = {}
    inferred: dict[str, tuple[str, str, str | None]] = {}
    item_kinds: set[str] = set()
    for op_id, op in operations.items():
        declared = op.get("crud")
        params = _path_params(op)
        if declared:
            id_name = declared["id"]
            in_path = id_name is not None and id_name in params
            out[op_id] = Binding(
                declared["resource"],
                declared["action"],
                id_name,
                in_path,
                tuple(p for p in params if p != id_name or not in_path),
                declared["field"],
            )
            continue
        segments = _segments(op["path"])
        if not segments:
            continue
        last = TEMPLATE.match(segments[-1])
        if last and any(p["name"] == last.group(1) and (p.get("schema") or {}).get("enum") for p in op["parameters"]):
            continue  # a path parameter with enumerated values (`/{status}` of Lunch, Break) names a value, not an id
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
    # A collection path is a resource only when something addresses its items by id and something reads it:
    # `PATCH /agents/{agent}/{status}` alone names a status to set, not a resource of statuses.
    ids: dict[str, str] = {kind: id_name for kind, _, id_name in inferred.values() if id_name}
    read = {kind for kind, action, _ in inferred.values() if action in ("read", "list")}
    for op_id, (kind, action, id_name) in inferred.items():
        if kind not in item_kinds or kind not in read:
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
    conflict: str | None = None  # why the request conflicts with the stored data (the vendor's 409)


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
        # The mock's time, as the store counts rate-limit windows; the control API swaps in one it can move forward.
        self.clock: Callable[[], float] = time.monotonic if isinstance(store, MemoryStore) else time.time
        # The item path of each resource whose id ends its path (`domains/{}/users/{}`): what parents are.
        self.item_paths: dict[tuple[str, ...], str] = {}
        for op_id, b in sorted(self.bindings.items()):
            segments = _segments(spec.operations[op_id]["path"])
            if b.id_in_path and segments and segments[-1] == "{" + str(b.id_name) + "}":
                self.item_paths.setdefault(_shape(segments), b.kind)
        self._parents: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.rules: dict[str, Rules] = {op_id: rules(op.get("integrity")) for op_id, op in spec.operations.items()}

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
            data = self.data_field(op_id) if schema is not None else None
            if data:
                data_schema = properties(schema).get(data)
                data_example = example.get(data) if isinstance(example, dict) else None
                if data_schema is not None and isinstance(data_example, dict):
                    return data_schema, data_example
            elif isinstance(example, dict):
                return schema, example
            elif self._one_item_array(schema, example):
                return schema.get("items"), example[0]
        op_id = actions.get("list")
        if op_id is not None:
            schema, example = self.success(op_id)
            items_schema, items_example = self._list_location(op_id, schema, example)[1:]
            if items_schema is not None and isinstance(items_example, list) and items_example:
                return items_schema.get("items"), items_example[0]
        return None, None

    def _one_item_array(self, schema: Any, example: Any) -> bool:
        """Whether a read answers one resource as an array holding it, as some vendors do."""
        return (
            schema is not None
            and is_array(schema)
            and isinstance(example, list)
            and bool(example)
            and isinstance(example[0], dict)
        )

    def success(self, op_id: str, status_key: str | None = None) -> tuple[Any, Any]:
        op = self.spec.operations[op_id]
        declared = op["responses"].get(status_key or op["success"]) or {}
        examples = declared.get("examples") or []
        return declared.get("schema"), (examples[0] if examples else None)

    def data_field(self, op_id: str) -> str | None:
        """The field of an operation's success answer that holds its data, when an envelope wraps the answer."""
        envelope = self.spec.operations[op_id].get("envelope")
        return envelope.get("data_field") if envelope else None

    def id_field(self, kind: str) -> str | None:
        """The field of a resource that holds its id: as the declared binding names it, else the field named like the
        id path parameter (`timeframe` finds `time-frame`), else `id`, `uuid` or `name`."""
        if kind not in self._id_fields:
            named = next((b.field for b in self.bindings.values() if b.kind == kind and b.field), None)
            binding = next((b for b in self.bindings.values() if b.kind == kind and b.id_name), None)
            schema, _ = self.resource_schema(kind)
            props = properties(schema) if schema is not None else {}
            by_letters = {letters(name): name for name in props}
            names = id_candidates(binding.id_name) if binding and binding.id_name else ["id"]
            found = next((by_letters[letters(n)] for n in names if letters(n) in by_letters), None)
            self._id_fields[kind] = named if named is not None else found
        return self._id_fields[kind]

    def parameter(self, name: str, kind: str | None = None) -> dict[str, Any]:
        """The path parameter `name` as an operation (of `kind`, when given) declares it."""
        for op_id, op in self.spec.operations.items():
            if kind is not None and self.bindings.get(op_id, None) is None:
                continue
            if kind is not None and self.bindings[op_id].kind != kind:
                continue
            for p in op["parameters"]:
                if p["in"] == "path" and p["name"] == name:
                    return dict(p)
        return {}

    def id_schema(self, kind: str) -> Any:
        for b in self.bindings.values():
            if b.kind == kind and b.id_in_path and b.id_name:
                return self.parameter(b.id_name, kind).get("schema") or {}
        return {}

    def scope_names(self, kind: str) -> tuple[str, ...]:
        """The path parameters naming the parent a resource lives under, in path order."""
        actions = self.by_kind.get(kind, {})
        op_id = actions.get("read") or next(iter(actions.values()))
        return self.bindings[op_id].scope

    def parents(self, op_id: str) -> list[tuple[str, tuple[str, ...]]]:
        """The resources an operation's path passes through, outermost first: (kind, the path parameters up to
        and including that resource's id). The operation's own item is not its parent."""
        if op_id not in self._parents:
            op = self.spec.operations[op_id]
            binding = self.bindings.get(op_id)
            segments = _segments(op["path"])
            found: list[tuple[str, tuple[str, ...]]] = []
            for i, segment in enumerate(segments):
                if not TEMPLATE.match(segment):
                    continue
                kind = self.item_paths.get(_shape(segments[: i + 1]))
                own = binding is not None and binding.id_in_path and segment == "{" + str(binding.id_name) + "}"
                if kind is not None and not own:
                    names = tuple(m.group(1) for m in (TEMPLATE.match(s) for s in segments[: i + 1]) if m)
                    found.append((kind, names))
            self._parents[op_id] = found
        return self._parents[op_id]

    def parents_exist(self, op_id: str, path: dict[str, Any]) -> bool:
        for kind, names in self.parents(op_id):
            values = [str(path.get(n, "")) for n in names]
            if self.store.get(kind, encode(values[:-1]), values[-1]) is None:
                return False
        return True

    def _polls(self) -> dict[str, dict[str, Any]]:
        polls: dict[str, dict[str, Any]] = {}
        for op in self.spec.operations.values():
            rule = op.get("async")
            if rule and rule["poll"]:
                polls[rule["poll"]] = rule
        return polls

    # -- seeding (seeding.py) -------------------------------------------------------------------
    def seed(self) -> None:
        """The spec's examples as the first records (see seeding.seed)."""
        seeding.seed(self)

    def subscribers(self, event: str, scope: Mapping[str, Any] | None = None) -> list[str]:
        """The URLs of the stored subscriptions to `event`: records created by an operation whose
        declared subscription names the fields holding the URL and the event; seeded examples are not callers'.

        The rule's `filters` are subscription fields that narrow what it receives: a subscription whose filter
        holds a value (other than empty or the rule's `wildcard`) gets only events whose `scope` has that value
        there; an event whose scope names no value for a filter reaches every subscription."""
        urls: list[str] = []
        given = {str(k): str(v) for k, v in (scope or {}).items() if v is not None and not isinstance(v, dict | list)}
        for op_id, binding in self.bindings.items():
            rule = self.spec.operations[op_id].get("subscription")
            if binding.action != "create" or not rule:
                continue
            field = str(rule["url_field"])
            filters = [str(f) for f in rule["filters"]]
            wildcard = rule["wildcard"]
            seeded = {str(example.get(field)) for example in self.examples_of(binding.kind)}
            for _scope, record in self.store.scan(binding.kind):
                if not isinstance(record, dict):
                    continue
                url = record.get(field)
                if (
                    not isinstance(url, str)
                    or not url
                    or url in seeded
                    or url in urls
                    or str(record.get(str(rule["event_field"]))) != event
                ):
                    continue
                wanted = {f: record.get(f) for f in filters if record.get(f) not in (None, "", wildcard)}
                if all(f not in given or given[f] == str(v) for f, v in wanted.items()):
                    urls.append(url)
        return urls

    def examples_of(self, kind: str) -> list[dict[str, Any]]:
        """The example records a resource is seeded from: its read answer's and its list answer's items."""
        _schema, example = self.resource_schema(kind)
        found = [example] if isinstance(example, dict) else []
        list_op = self.by_kind.get(kind, {}).get("list")
        if list_op is not None:
            list_schema, list_example = self.success(list_op)
            items = self._list_location(list_op, list_schema, list_example)[2]
            found += [i for i in items if isinstance(i, dict) and i is not example] if isinstance(items, list) else []
        return found

    def seeded_key(self, id_name: str, known: dict[str, str] | None = None) -> str | None:
        return seeding.seeded_key(self, id_name, known)

    def scope_parents(self, kind: str) -> list[str | None]:
        """For each scope parameter of a resource, the resource whose id it is (None when nothing is)."""
        actions = self.by_kind.get(kind, {})
        op_id = actions.get("read") or next(iter(actions.values()))
        by_name = {names[-1]: parent for parent, names in self.parents(op_id)}
        return [by_name.get(name) for name in self.scope_names(kind)]

    def field_of(self, record: dict[str, Any], name: str) -> str | None:
        """The field of a record that holds the value of path parameter `name` (a parent's id, not its own)."""
        by_letters = {letters(k): k for k in record}
        for candidate in id_candidates(name):
            if candidate not in GENERIC_IDS and letters(candidate) in by_letters:
                return by_letters[letters(candidate)]
        return None

    # -- the actions -------------------------------------------------------------------------
    def scope(self, binding: Binding, path: dict[str, Any]) -> str:
        return encode([str(path.get(name, "")) for name in binding.scope])

    def act(self, op_id: str, path: dict[str, Any], query: dict[str, Any], body: Any) -> Outcome | None:
        """The answer of a resource operation, a 404 for a path under a missing parent, or None when the
        operation is not tied to a resource."""
        binding = self.bindings.get(op_id)
        if binding is None or binding.action in ("read", "list"):
            return self._act(op_id, binding, path, query, body)
        with self.store.transaction():  # a read-modify-write: one transaction across workers
            return self._act(op_id, binding, path, query, body)

    def _act(
        self, op_id: str, binding: Binding | None, path: dict[str, Any], query: dict[str, Any], body: Any
    ) -> Outcome | None:
        if not self.parents_exist(op_id, path):
            return Outcome("404", None, {}, found=False)
        if binding is None:
            return None
        scope = self.scope(binding, path)
        if binding.action == "create":
            return self.create(op_id, binding, scope, path, body)
        if binding.action == "list":
            return self.listing(op_id, binding, scope, path, query)
        key = str(path.get(binding.id_name or "", ""))
        if binding.action == "read" and not binding.id_in_path and binding.id_name in query:
            # A read by ids the query names (`queue_ids=1,2`): each must exist; an answer of one record holds the first.
            keys = [k for k in str(query[str(binding.id_name)]).split(",") if k] or [""]
            if any(self.store.get(binding.kind, scope, k) is None for k in keys):
                return Outcome("404", None, {}, found=False)
            key = keys[0]
        if binding.action == "read" and op_id in self._async_polls:
            with self.store.transaction():  # a poll may move the record on: a write
                return self._item(op_id, binding, scope, key, body)
        return self._item(op_id, binding, scope, key, body)

    def _item(self, op_id: str, binding: Binding, scope: str, key: str, body: Any) -> Outcome | None:
        record = self.store.get(binding.kind, scope, key)
        if record is None:
            if binding.action in ("update", "replace") and not binding.id_in_path:
                return None
            return Outcome("404", None, {}, found=False)
        if binding.action == "read":
            record = self._advance(op_id, binding, scope, key, record)
            return Outcome(None, self.answer(op_id, record), {})
        if binding.action == "delete":
            refused = self._children(op_id, binding, scope, key)
            if refused is not None:
                return Outcome("409", None, {}, conflict=refused)
            self.remove(binding.kind, scope, key)
            return Outcome(None, self.answer(op_id, record), {})
        if not isinstance(body, dict):
            return Outcome(None, self.answer(op_id, record), {})
        fields = {k: v for k, v in body.items() if k != self.sync_parameter(op_id)}
        known = properties(self.resource_schema(binding.kind)[0])
        if known:
            fields = {k: v for k, v in fields.items() if k in known}
        if binding.action == "update":
            changed = merge_patch(record, fields)
        else:  # a full replacement keeps only what the client cannot send: ids and server fields
            changed = {**self._server_fields(op_id, record), **fields}
        # The path names the record and its parent: body fields that mirror them cannot move it.
        for name in self.identity(binding, record):
            changed[name] = record[name]
        changed = self._start_async(op_id, changed)
        changed = self.fit(binding.kind, changed, record)
        taken = self._unique_clash(op_id, binding, scope, key, changed)
        if taken is not None:
            return Outcome("409", None, {}, conflict=taken)
        self.store.put(binding.kind, scope, key, changed)
        self._started(op_id, binding.kind, scope, key)
        return Outcome(None, self.answer(op_id, changed), {})

    def identity(self, binding: Binding, record: dict[str, Any]) -> list[str]:
        """The fields of a stored record that hold its id or its parents' ids."""
        names = [self.id_field(binding.kind)] + [self.field_of(record, n) for n in binding.scope]
        return [n for n in names if n is not None and n in record]

    def create(self, op_id: str, binding: Binding, scope: str, path: dict[str, Any], body: Any) -> Outcome:
        kind = binding.kind
        schema, example = self.resource_schema(kind)
        field = self.id_field(kind)
        fields = {k: v for k, v in body.items() if k != self.sync_parameter(op_id)} if isinstance(body, dict) else {}
        known = properties(schema)
        if known:  # what the resource does not show (a password, options) is not echoed back
            fields = {k: v for k, v in fields.items() if k in known}
        record: dict[str, Any] = {**self._defaults(schema), **fields}
        # Path values win over body fields that mirror them: a record is created under the parent its path names.
        for name in binding.scope:
            mirror = self.field_of({**dict.fromkeys(known), **record}, name)
            if mirror is not None and self._fits(known.get(mirror), path.get(name)):
                record[mirror] = _typed(known.get(mirror), str(path.get(name)))
        given = fields.get(field) if field else None
        rule = self.rules[op_id]
        if isinstance(given, str | int) and not isinstance(given, bool) and rule.duplicate == "reject":
            if self.store.get(kind, scope, str(given)) is not None:
                return Outcome("409", None, {}, conflict=f"{given} already exists")
        key = self.new_key(kind, scope, given)
        if field is not None:
            record[field] = self._typed_id(kind, field, key)
        record = self._start_async(op_id, record)
        record = self.fit(kind, record, self._rebased(kind, example, scope, key))
        if field is not None and isinstance(record, dict) and field in record:
            key = str(record[field])
        taken = self._unique_clash(op_id, binding, scope, key, record)
        if taken is not None:
            return Outcome("409", None, {}, conflict=taken)
        self.store.put(kind, scope, key, record)
        self._started(op_id, kind, scope, key)
        headers: dict[str, str] = {}
        declared = self.spec.operations[op_id]["responses"].get(self.spec.operations[op_id]["success"]) or {}
        location = self.location(kind, path, key)
        if location and "Location" in (declared.get("headers") or []):
            headers["Location"] = location
        return Outcome(None, self.answer(op_id, record, location), headers)

    def _defaults(self, schema: Any) -> dict[str, Any]:
        """What the server fills in on create: each property's declared default."""
        out: dict[str, Any] = {}
        for name, prop in properties(schema).items():
            if isinstance(prop, dict) and "default" in prop:  # a default beside a $ref was kept over the target's
                out[name] = copy.deepcopy(prop["default"])
        return out

    def _fits(self, schema: Any, value: Any) -> bool:
        if schema is None or value is None:
            return False
        return self.first_error()(schema, _typed(schema, str(value))) is None

    def _rebased(self, kind: str, example: Any, scope: str, key: str) -> Any:
        """The resource's example with its own id and parents' ids replaced by the new record's, so values
        filled in from it (a SIP URI holding the user) describe the new record, not the example's."""
        if not isinstance(example, dict):
            return example
        field = self.id_field(kind)
        swaps: dict[str, str] = {}
        for name, value in zip(self.scope_names(kind), decode(scope), strict=False):
            mirror = self.field_of(example, name)
            if mirror is not None and not isinstance(example[mirror], dict | list):
                swaps[str(example[mirror])] = value
        if field is not None and field in example and not isinstance(example[field], dict | list):
            swaps[str(example[field])] = key
        return swap(copy.deepcopy(example), swaps) if swaps else example

    def _unique_clash(self, op_id: str, binding: Binding, scope: str, key: str, record: Any) -> str | None:
        unique = self.rules[op_id].unique
        if not unique or not isinstance(record, dict):
            return None
        field = self.id_field(binding.kind)
        others = [r for r in self.store.list(binding.kind, scope) if not (field and str(r.get(field)) == key)]
        fields = clash(record, others, unique)
        if fields is None:
            return None
        return f"{', '.join(fields)} must be unique: {', '.join(str(record[f]) for f in fields)} is taken"

    def _children(self, op_id: str, binding: Binding, scope: str, key: str) -> str | None:
        """Apply the delete's `children` rules: the reason it is refused (nothing changed), else None with the
        cascades done."""
        found: list[tuple[str, str, list[tuple[str, dict[str, Any]]]]] = []
        for child in self.rules[op_id].children:
            target = self.bindings.get(child.operation)
            if target is None:
                continue
            if child.field is not None:
                refs = [(s, r) for s, r in self._all(target.kind) if str(r.get(child.field)) == key]
            else:
                refs = [(s, r) for s, r in self._all(target.kind) if s == encode([*decode(scope), key])]
            if refs and child.on_delete == "reject":
                return f"{key} still has {len(refs)} {child.operation.removeprefix('list_').replace('_', ' ')}"
            found.append((target.kind, child.on_delete, refs))
        for kind, _, refs in found:
            child_field = self.id_field(kind)
            for where, record in refs:
                if child_field is not None and child_field in record:
                    self.remove(kind, where, str(record[child_field]))
        return None

    def remove(self, kind: str, scope: str, key: str) -> None:
        """Delete a record and what is nested under it in the path: nothing can reach those any more."""
        self.store.delete(kind, scope, key)
        inner = encode([*decode(scope), key])
        for other in self.by_kind:
            if other != kind and kind in self.scope_parents(other):
                self.store.purge(other, inner)

    def _all(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """Every record of a kind with its scope (for references by field, which cross parents)."""
        return [(scope, r) for scope, r in self.store.scan(kind) if isinstance(r, dict)]

    def listing(
        self, op_id: str, binding: Binding, scope: str, path: dict[str, Any], query: dict[str, Any]
    ) -> Outcome | None:
        schema, example = self.success(op_id)
        where, _, _ = self._list_location(op_id, schema, example)
        if where is None:
            return None
        records = self.store.list(binding.kind, scope)
        op = self.spec.operations[op_id]
        declared = op.get("pagination") or {}
        skip = {str(v) for k, v in declared.items() if k in ("limit", "offset", "page", "size")}
        for name, value in query.items():
            if name in skip or isinstance(value, dict):
                continue
            wanted = {str(v) for v in value} if isinstance(value, list) else {str(value)}
            records = [r for r in records if not isinstance(r, dict) or name not in r or str(r[name]) in wanted]
        return Outcome(None, self.paged(op_id, path, query, records, where, example, schema), {})

    def paged(
        self,
        op_id: str,
        path: dict[str, Any],
        query: dict[str, Any],
        records: list[Any],
        where: tuple[str, ...],
        example: Any,
        schema: Any,
    ) -> Any:
        """A list answer holding the page of `records` the query asks for, its paging fields telling the truth."""
        op = self.spec.operations[op_id]
        window = paging.page(op, query, records)
        if where == ():
            return window.items
        body = copy.deepcopy(example) if isinstance(example, dict) else {}
        at(body, list(where[:-1]))[where[-1]] = window.items
        url = self.url(op_id, path)

        def link(values: dict[str, Any]) -> str:
            return f"{url}?{paging.query_string({**query, **values})}"

        items = body.pop(where[0])
        paging.paging_fields(body, window, link)
        body[where[0]] = items
        return conform(body, schema, example, self.first_error())

    def page_example(self, op_id: str, path: dict[str, Any], query: dict[str, Any], body: Any) -> Any:
        """An example list answer (an operation tied to no resource) paged as the operation declares."""
        op = self.spec.operations[op_id]
        if not op.get("pagination"):
            return body
        schema = self.success(op_id)[0]
        where, _, items = self._list_location(op_id, schema, body)
        if where is None or not isinstance(items, list):
            return body
        return self.paged(op_id, path, query, list(items), where, body, schema)

    def url(self, op_id: str, path: dict[str, Any]) -> str:
        text = str(self.spec.data.get("base_path", "")) + str(self.spec.operations[op_id]["path"])
        for name, value in path.items():
            text = text.replace("{" + name + "}", quote(str(value), safe="@~"))
        return text

    # -- helpers -----------------------------------------------------------------------------
    def _list_location(self, op_id: str, schema: Any, example: Any) -> tuple[tuple[str, ...] | None, Any, Any]:
        """Where the items of a list answer are: () for a bare array, else the path of the field."""
        if schema is None:
            return None, None, None
        if is_array(schema):
            return (), schema, example
        declared = self.spec.operations[op_id].get("pagination") or {}
        props = properties(schema)
        names = [declared.get("items"), self.data_field(op_id), *props.keys()]
        for name in names:
            if isinstance(name, str) and name in props and is_array(props[name]):
                items = example.get(name) if isinstance(example, dict) else None
                return (name,), props[name], items
        return None, None, None

    def answer(self, op_id: str, record: Any, location: str | None = None) -> Any:
        """The success body of an operation for one record, in the shape the operation declares."""
        schema, example = self.success(op_id)
        if schema is None:
            return None
        data = self.data_field(op_id)
        body: Any
        if data and isinstance(example, dict):
            body = copy.deepcopy(example)
            body[data] = record
        elif isinstance(record, dict) and is_array(schema):
            body = [copy.deepcopy(record)]  # one resource, answered as an array holding it
        else:
            body = copy.deepcopy(record)
            if location and isinstance(body, dict):
                for name in properties(schema):
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
            writable |= set(properties(schema))
        return {k: v for k, v in record.items() if k not in writable} if isinstance(record, dict) else {}

    def new_key(self, kind: str, scope: str, given: Any) -> str:
        """A new id: the one the client gave when it fits the id parameter, else a fresh one in the format the
        parameter takes (and the seeded ids show: a UUID where they are UUIDs), free in this parent."""
        schema = self.id_schema(kind)
        check = self.first_error()
        resolved = schema or {}
        kinds = resolved.get("type") if isinstance(resolved, dict) else None
        # Names chosen by the client (a domain, a user's extension) are kept; numbers the server counts.
        if isinstance(given, str) and given and check(schema, given) is None:
            return given
        _, example = self.resource_schema(kind)
        field = self.id_field(kind)
        shown = str(example.get(field)) if isinstance(example, dict) and field in example else ""
        uuids = resolved.get("format") == "uuid" or bool(UUID.match(shown))
        for _ in range(1000):
            n = self.store.next_id(kind)
            candidates: list[Any] = [str(uuid.uuid4())] if uuids else []
            if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
                candidates += [1000 + n, n]
            candidates += [f"{1000 + n}", str(uuid.uuid4())]
            value = next((str(v) for v in candidates if check(schema, v) is None), None)
            if value is not None and self.store.get(kind, scope, value) is None:
                return value
        return str(uuid.uuid4())

    def _typed_id(self, kind: str, field: str, key: str) -> Any:
        schema, _ = self.resource_schema(kind)
        return _typed(properties(schema).get(field, {}), key)

    def location(self, kind: str, path: dict[str, Any], key: str) -> str | None:
        op_id = self.by_kind.get(kind, {}).get("read")
        if op_id is None:
            return None
        return self.url(op_id, {**path, str(self.bindings[op_id].id_name): key})

    def sync_parameter(self, op_id: str) -> str | None:
        rule = self.spec.operations[op_id].get("synchronous")
        return str(rule["parameter"]) if rule and rule["parameter"] else None

    def _start_async(self, op_id: str, record: Any) -> Any:
        rule = self.spec.operations[op_id].get("async")
        if rule and isinstance(record, dict) and rule["states"]:
            record[str(rule["status_field"])] = rule["states"][0]
        return record

    def _started(self, op_id: str, kind: str, scope: str, key: str) -> None:
        """An accepting write started the resource's first async state now, on the mock's clock."""
        rule = self.spec.operations[op_id].get("async")
        if rule and rule["states"]:
            self.store.put(ASYNC, encode([kind, scope]), key, {"state": rule["states"][0], "since": self.clock()})

    def _advance(self, op_id: str, binding: Binding, where: str, key: str, record: Any) -> Any:
        """A poll finds an accepted resource in the state the clock has reached: each state before the final
        lasts the rule's `seconds`, counted from when the write accepted it (or from its first poll, for a
        resource seeded mid-way). Polling without time passing keeps it where it is."""
        rule = self._async_polls.get(op_id)
        if rule is None or not isinstance(record, dict):
            return record
        states = rule["states"]
        field = str(rule["status_field"])
        current = record.get(field)
        if current not in states[:-1]:
            return record
        slot = encode([binding.kind, where])
        now = self.clock()
        started = self.store.get(ASYNC, slot, key)
        if not isinstance(started, dict) or started.get("state") not in states[: states.index(current) + 1]:
            self.store.put(ASYNC, slot, key, {"state": current, "since": now})
            return record
        seconds = float(rule["seconds"] or 0)
        steps = math.floor((now - float(started["since"])) / seconds) if seconds > 0 else len(states)
        target = states[min(states.index(started["state"]) + max(steps, 0), len(states) - 1)]
        if states.index(target) <= states.index(current):
            return record
        moved = self.fit(binding.kind, {**record, field: target}, record)
        if moved.get(field) != current:
            self.store.put(binding.kind, where, key, moved)
            return moved
        return record


def _shape(segments: list[str]) -> tuple[str, ...]:
    return tuple("{}" if TEMPLATE.match(s) else s for s in segments)


def _typed(schema: Any, text: str) -> Any:
    """A path value as the type a record's field holds: an integer field takes the number."""
    prop = schema or {}
    kinds = prop.get("type") if isinstance(prop, dict) else None
    integer = kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)
    # ASCII digits only: "²".isdigit() is true, and int("²") raises
    return int(text) if integer and text.lstrip("-").isascii() and text.lstrip("-").isdigit() else text
