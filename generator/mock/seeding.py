"""Seeding: the spec's examples become the mock's first records, ordinary ones, each under one parent.

A record lives under the parent its fields name when that parent exists, else under the parent's first
seeded record; a parent no resource describes (a Telphin extension, an Avaya account) is one value for the
whole spec: the path parameter's example, else the first value an example shows.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from .shapes import conform, fill_placeholders, letters
from .state import encode

if TYPE_CHECKING:
    from .crud import Crud


def seed(crud: Crud) -> None:
    """The spec's examples as the first records: ordinary records, each under one parent (the one its
    fields name when that parent exists, else the parent's first seeded record), parents first."""
    with crud.store.transaction():
        if crud.store.seeded():
            return
        samples: dict[str, str] = {}  # a value seen for each path parameter, by its letters
        # Parents first; among equals, resources whose records name their own id before those that take
        # their id from the parent (one per parent), which reuse the parents' ids the others showed; then in
        # the order the spec reads them, so a list elsewhere in the spec does not move a resource ahead.
        order = {op_id: i for i, op_id in enumerate(crud.spec.operations)}

        def place(kind: str) -> tuple[int, bool, int]:
            actions = crud.by_kind[kind]
            first = actions.get("read") or min(actions.values(), key=order.__getitem__)
            return len(crud.scope_names(kind)), crud.id_field(kind) is None, order[first]

        for kind in sorted(crud.by_kind, key=place):
            _seed(crud, kind, samples)
        crud.store.mark_seeded()


def seeded_key(crud: Crud, id_name: str, known: dict[str, str] | None = None) -> str | None:
    """The first seeded id of the resource whose id parameter is `id_name` (for self-aliases), under the
    parent `known` names (the caller's own domain, for its own user)."""
    for kind, actions in crud.by_kind.items():
        op_id = actions.get("read")
        field = crud.id_field(kind)
        if op_id and crud.bindings[op_id].id_name == id_name and field:
            scope = [str((known or {}).get(n, "")) for n in crud.bindings[op_id].scope]
            records = crud.store.list(kind, encode(scope))
            if records and field in records[0]:
                return str(records[0][field])
    return None


def _seed(crud: Crud, kind: str, samples: dict[str, str]) -> None:
    schema, example = crud.resource_schema(kind)
    if not isinstance(example, dict):
        return
    field = crud.id_field(kind)
    candidates = crud.examples_of(kind)
    names = crud.scope_names(kind)
    parents = crud.scope_parents(kind)
    id_name = next((b.id_name for b in crud.bindings.values() if b.kind == kind and b.id_in_path), None)
    for candidate in candidates:
        record = copy.deepcopy(candidate)
        values: list[str] = []
        for name, parent in zip(names, parents, strict=True):
            value = _path_value(crud, kind, name, record, parent, values, samples)
            if value is None:
                return
            values.append(value)
        shared = samples.get(letters(id_name)) if id_name is not None else None
        if shared is not None and "create" not in crud.by_kind[kind]:
            # One record per parent, named by the parent's id (an extension's queue settings)
            key = shared
            if field is not None and field in record:
                record[field] = crud._typed_id(kind, field, key)
        elif field is not None and field in record:
            key = str(record[field])
        else:
            continue
        if id_name is not None:
            samples.setdefault(letters(id_name), key)
        variables = {letters(k): str(v) for k, v in (crud.spec.data.get("server_variables") or {}).items()}
        record = fill_placeholders(record, {**variables, **samples})
        fitted = conform(record, schema, example, crud.first_error())
        if isinstance(fitted, dict) and crud.store.get(kind, encode(values), key) is None:
            crud.store.put(kind, encode(values), key, fitted)


def _path_value(
    crud: Crud,
    kind: str,
    name: str,
    record: dict[str, Any],
    parent: str | None,
    outer: list[str],
    samples: dict[str, str],
) -> str | None:
    """The value of one scope parameter for a seed record; the record's field that mirrors it follows."""
    param = crud.parameter(name, kind)
    schema = param.get("schema") or {}
    field = crud.field_of(record, name)
    mirrored: str | None = None
    if field is not None and not isinstance(record[field], dict | list):
        if crud.first_error()(schema, str(record[field])) is None:
            mirrored = str(record[field])
    value: str | None
    if parent is not None:
        value = mirrored
        if value is None or crud.store.get(parent, encode(outer), value) is None:
            existing = crud.store.list(parent, encode(outer))
            parent_field = crud.id_field(parent)
            value = str(existing[0][parent_field]) if existing and parent_field in existing[0] else None
        if value is None:
            return None  # the parent has no seeded record to live under
    else:
        # A parent no resource describes (a Telphin extension, an Avaya account) is one value for the whole
        # spec, so the examples that mention different ones still meet under one parent.
        value = samples.get(letters(name)) or _sample(crud, param, mirrored)
    if value is None:
        return None
    samples.setdefault(letters(name), value)
    if field is not None and not isinstance(record[field], dict | list) and str(record[field]) != value:
        record[field] = int(value) if isinstance(record[field], int) and value.isascii() and value.isdigit() else value
    return value


def _sample(crud: Crud, param: dict[str, Any], seen: str | None = None) -> str | None:
    """A value a path parameter takes: its example, else the one a record shows, else one that fits."""
    schema = param.get("schema") or {}
    check = crud.first_error()
    choices = [param.get("example"), schema.get("example"), *(schema.get("examples") or []), seen]
    choices += [*(schema.get("enum") or []), schema.get("default"), 1001, "1001", str(uuid.uuid4())]
    for value in choices:
        if value is not None and check(schema, value) is None:
            return str(value)
    return None
