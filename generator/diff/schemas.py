"""Compare two JSON Schemas (OpenAPI schema objects) in a request or a response, through their $refs.

Findings carry a field label and the pointers of both nodes; comparisons of component pairs are memoised and
a pair already being compared higher up the stack is skipped, so recursive schemas end and large specs stay fast.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.diff.model import Level
from generator.load import Document, Json
from generator.pointer import pointer_join, unescape

BREAKING, SERVER, COMPATIBLE = Level.BREAKING, Level.SERVER, Level.COMPATIBLE
REQUEST, RESPONSE = "request", "response"
# Keywords bounding a value from below and from above; a larger lower bound or a smaller upper bound narrows.
LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


@dataclass(frozen=True)
class Found:
    level: Level
    rule: str
    label: str  # the field it concerns, "Agent.status" or "" for the schema itself
    what: str
    old: str  # pointer in the old document
    new: str  # pointer in the new document


def deref(doc: Document, node: Json, pointer: str) -> tuple[Json, str, str | None]:
    """(node, its pointer, the last component name on the way) after following local $refs; loops stop."""
    name: str | None = None
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            break
        seen.add(ref)
        try:
            target = doc.resolve(ref)
        except KeyError:
            break
        node, pointer, name = target, ref[1:], unescape(ref.rsplit("/", 1)[-1])
    return node, pointer, name


def _types(doc: Document, node: dict[str, Any], depth: int = 0) -> frozenset[str] | None:
    """The JSON types node allows; None for any. A union without its own type allows its variants' types."""
    raw = node.get("type")
    if raw is None:
        variants = node.get("oneOf") or node.get("anyOf")
        if not isinstance(variants, list) or not variants or depth > 8:  # unions of unions of ...: call it any
            return None
        kinds: set[str] = set()
        for variant in variants:
            target, _, _ = deref(doc, variant, "")
            inner = _types(doc, target, depth + 1) if isinstance(target, dict) else None
            if inner is None:
                return None
            kinds |= inner
        return frozenset(kinds)
    kinds = {raw} if isinstance(raw, str) else {str(t) for t in raw} if isinstance(raw, list) else set()
    if node.get("nullable") is True:  # OpenAPI 3.0 spelling of "or null"
        kinds.add("null")
    return frozenset(kinds)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of the narrow types is a value of the wide ones (an integer is a number)."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _show(value: Json) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


Pair = tuple[str, str, str]


def _is_ref(node: Json) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def _join(label: str, part: str) -> str:
    return f"{label}.{part}" if label and not part.startswith("[") else f"{label}{part}"


class SchemaDiff:
    """Compares schemas of one old and one new document; one instance per diff run (it holds the memo)."""

    def __init__(self, old: Document, new: Document) -> None:
        self.old, self.new = old, new
        # Pairs of schemas reached through a $ref (on either side), keyed by (old pointer, new pointer, direction):
        # each is compared once, to its own findings plus the referenced pairs below it, which compare() then
        # walks breadth-first with a seen-set. So recursion in the schemas costs nothing, and a component used by
        # a hundred operations is compared once per direction.
        self._todo: dict[Pair, tuple[Json, str, Json, str, str, str]] = {}
        self._done: dict[Pair, tuple[list[Found], tuple[Pair, ...]]] = {}
        self._children: list[Pair] = []

    def compare(self, o: Json, op: str, n: Json, np: str, direction: str, label: str = "") -> list[Found]:
        """Every finding from the schema at op (old) to the one at np (new), through all their $refs."""
        root = self._enter(o, op, n, np, direction, label)
        found: list[Found] = []
        seen, queue = {root}, deque([root])
        while queue:
            own, children = self._computed(queue.popleft())
            found += own
            for child in children:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return found

    def _enter(self, o: Json, op: str, n: Json, np: str, direction: str, label: str) -> Pair:
        o, op, o_name = deref(self.old, o, op)
        n, np, n_name = deref(self.new, n, np)
        key = (op, np, direction)
        if key not in self._done and key not in self._todo:
            # Findings inside a component are labelled from the component, so they read the same from any operation.
            self._todo[key] = (o, op, n, np, direction, n_name or o_name or label)
        return key

    def _computed(self, key: Pair) -> tuple[list[Found], tuple[Pair, ...]]:
        if key not in self._done:
            outer, self._children = self._children, []
            try:
                own = list(self._compare(*self._todo.pop(key)))
                self._done[key] = (own, tuple(self._children))
            finally:
                self._children = outer
        return self._done[key]

    def _nested(self, o: Json, op: str, n: Json, np: str, direction: str, label: str) -> Iterator[Found]:
        """A schema inside the one being compared: inline ones now, referenced ones as a pair for compare()."""
        if _is_ref(o) or _is_ref(n):
            self._children.append(self._enter(o, op, n, np, direction, label))
            return
        yield from self._compare(o, op, n, np, direction, label)

    def _compare(self, o: Json, op: str, n: Json, np: str, direction: str, label: str) -> Iterator[Found]:
        if not isinstance(o, dict) or not isinstance(n, dict):
            if o != n:
                yield Found(BREAKING, "schema-changed", label, "schema replaced", op, np)
            return
        request = direction == REQUEST
        yield from self._type(o, op, n, np, request, label)
        yield from self._format(o, op, n, np, request, label)
        yield from self._enum(o, op, n, np, request, label)
        yield from self._bounds(o, op, n, np, request, label)
        yield from self._docs(o, op, n, np, label)
        yield from self._properties(o, op, n, np, direction, label)
        for key, part in (("items", "[]"), ("additionalProperties", ".*")):
            if isinstance(o.get(key), dict) and isinstance(n.get(key), dict):
                yield from self._nested(
                    o[key], pointer_join(op, key), n[key], pointer_join(np, key), direction, _join(label, part)
                )
        yield from self._closed(o, op, n, np, request, label)
        for key in ("oneOf", "anyOf"):
            yield from self._variants(key, o, op, n, np, direction, label)

    def _type(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, request: bool, label: str
    ) -> Iterator[Found]:
        old, new = _types(self.old, o), _types(self.new, n)
        if old == new:
            return
        at_o, at_n = pointer_join(op, "type"), pointer_join(np, "type")
        shown = f"type {_kinds(old)} -> {_kinds(new)}"
        if new is None or (old is not None and _covers(new, old)):  # widened
            level, rule = (SERVER, "request-type-widened") if request else (BREAKING, "response-type-widened")
        elif old is None or _covers(old, new):  # narrowed
            level, rule = (BREAKING, "request-type-narrowed") if request else (SERVER, "response-type-narrowed")
        else:
            level, rule = BREAKING, "type-changed"
        yield Found(level, rule, label, shown, at_o, at_n)

    def _format(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, request: bool, label: str
    ) -> Iterator[Found]:
        old, new = o.get("format"), n.get("format")
        if old == new:
            return
        at_o, at_n = pointer_join(op, "format"), pointer_join(np, "format")
        shown = f"format {old or '(none)'} -> {new or '(none)'}"
        if old is not None and new is not None:
            yield Found(BREAKING, "format-changed", label, shown, at_o, at_n)
        elif (new is not None) == request:  # a format added to a request, or dropped from a response
            yield Found(
                BREAKING, "request-format-added" if request else "response-format-removed", label, shown, at_o, at_n
            )
        else:
            yield Found(COMPATIBLE, "format-relaxed", label, shown, at_o, at_n)

    def _enum(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, request: bool, label: str
    ) -> Iterator[Found]:
        old, new = o.get("enum"), n.get("enum")
        if old == new:
            return
        at_o, at_n = pointer_join(op, "enum"), pointer_join(np, "enum")
        side = "request" if request else "response"
        if not isinstance(old, list) or not isinstance(new, list):
            if isinstance(new, list):  # values newly restricted to a list
                level = BREAKING if request else SERVER
                yield Found(level, f"{side}-enum-added", label, f"now restricted to {_show(new)}", at_o, at_n)
            else:
                level = SERVER if request else BREAKING
                yield Found(
                    level, f"{side}-enum-dropped", label, "no longer restricted to a list of values", at_o, at_n
                )
            return
        old_keys, new_keys = {_show(v): v for v in old}, {_show(v): v for v in new}
        removed = [k for k in old_keys if k not in new_keys]
        added = [k for k in new_keys if k not in old_keys]
        for value in removed:
            yield Found(BREAKING, f"{side}-enum-value-removed", label, f"enum value {value} removed", at_o, at_n)
        for value in added:
            # A request value old servers reject; a response value old clients' enums do not know.
            level = SERVER if request else BREAKING
            yield Found(level, f"{side}-enum-value-added", label, f"enum value {value} added", at_o, at_n)

    def _bounds(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, request: bool, label: str
    ) -> Iterator[Found]:
        for key in (*LOWER, *UPPER, "pattern", "multipleOf"):
            old, new = o.get(key), n.get(key)
            if old == new:
                continue
            if key in LOWER:
                narrowed = new is not None and (old is None or _num(new) > _num(old))
            elif key in UPPER:
                narrowed = new is not None and (old is None or _num(new) < _num(old))
            else:  # a new pattern or step is a different set of values: treat as narrowing unless dropped
                narrowed = new is not None
            shown = (
                f"{key} {_show(old) if old is not None else '(none)'} -> {_show(new) if new is not None else '(none)'}"
            )
            at_o, at_n = pointer_join(op, key), pointer_join(np, key)
            if narrowed:
                level, rule = (
                    (BREAKING, "request-constraint-narrowed") if request else (SERVER, "response-constraint-narrowed")
                )
            else:
                level, rule = (
                    (SERVER, "request-constraint-widened") if request else (BREAKING, "response-constraint-widened")
                )
            yield Found(level, rule, label, shown, at_o, at_n)

    def _docs(self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, label: str) -> Iterator[Found]:
        for key in ("description", "title", "example", "examples", "default", "deprecated"):
            if o.get(key) != n.get(key):
                rule = "deprecated" if key == "deprecated" else f"{key.rstrip('s')}-changed"
                what = f"{key} changed" if key != "default" else f"default {_show(o.get(key))} -> {_show(n.get(key))}"
                yield Found(COMPATIBLE, rule, label, what, pointer_join(op, key), pointer_join(np, key))

    def _properties(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, direction: str, label: str
    ) -> Iterator[Found]:
        old_props, old_req = self._flat(self.old, o, op)
        new_props, new_req = self._flat(self.new, n, np)
        if not old_props and not new_props and old_req == new_req:
            return
        request = direction == REQUEST
        side = "request" if request else "response"
        for name, (node, at) in old_props.items():
            field = _join(label, name)
            if name not in new_props:
                yield Found(
                    BREAKING, f"{side}-property-removed", field, "property removed", at, pointer_join(np, "properties")
                )
                continue
            new_node, new_at = new_props[name]
            yield from self._nested(node, at, new_node, new_at, direction, field)
            was, now = name in old_req, name in new_req
            if not was and now:
                level = BREAKING if request else SERVER
                yield Found(level, f"{side}-property-became-required", field, "became required", at, new_at)
            elif was and not now:
                level = COMPATIBLE if request else BREAKING
                yield Found(level, f"{side}-property-became-optional", field, "became optional", at, new_at)
        for name, (_node, at) in new_props.items():
            if name in old_props:
                continue
            field, required = _join(label, name), name in new_req
            if request:
                level, rule = (
                    (BREAKING, "request-required-property-added") if required else (SERVER, "request-property-added")
                )
            else:
                level, rule = (
                    (SERVER, "response-required-property-added")
                    if required
                    else (COMPATIBLE, "response-property-added")
                )
            what = "required property added" if required else "property added"
            yield Found(level, rule, field, what, pointer_join(op, "properties"), at)

    def _flat(self, doc: Document, node: dict[str, Any], pointer: str) -> tuple[dict[str, tuple[Json, str]], set[str]]:
        """Properties (with pointers) and required names of node, allOf parts merged in; cycles stop."""
        props: dict[str, tuple[Json, str]] = {}
        required: set[str] = set()
        pending, seen = [(node, pointer)], set()
        while pending:
            here, at = pending.pop()
            here, at, _ = deref(doc, here, at)
            if at in seen or not isinstance(here, dict):
                continue
            seen.add(at)
            for name, value in (
                (here.get("properties") or {}).items() if isinstance(here.get("properties"), dict) else ()
            ):
                props.setdefault(str(name), (value, pointer_join(at, "properties", str(name))))
            if isinstance(here.get("required"), list):
                required.update(str(r) for r in here["required"])
            parts = here.get("allOf")
            if isinstance(parts, list):
                pending.extend((part, pointer_join(at, "allOf", i)) for i, part in reversed(list(enumerate(parts))))
        return props, required

    def _closed(
        self, o: dict[str, Any], op: str, n: dict[str, Any], np: str, request: bool, label: str
    ) -> Iterator[Found]:
        was, now = o.get("additionalProperties") is False, n.get("additionalProperties") is False
        if was == now:
            return
        at_o, at_n = pointer_join(op, "additionalProperties"), pointer_join(np, "additionalProperties")
        if now:
            level = BREAKING if request else COMPATIBLE
            yield Found(
                level,
                f"{'request' if request else 'response'}-closed",
                label,
                "unknown properties now refused",
                at_o,
                at_n,
            )
        else:
            level = SERVER if request else BREAKING
            yield Found(
                level,
                f"{'request' if request else 'response'}-opened",
                label,
                "unknown properties now allowed",
                at_o,
                at_n,
            )

    def _variants(
        self, key: str, o: dict[str, Any], op: str, n: dict[str, Any], np: str, direction: str, label: str
    ) -> Iterator[Found]:
        old, new = o.get(key), n.get(key)
        if not isinstance(old, list) and not isinstance(new, list):
            return
        old_list, new_list = old if isinstance(old, list) else [], new if isinstance(new, list) else []
        request = direction == REQUEST

        def name(item: Json, index: int) -> str:
            ref = item.get("$ref") if isinstance(item, dict) else None
            return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else f"#{index}"

        old_names = {name(v, i): i for i, v in enumerate(old_list)}
        new_names = {name(v, i): i for i, v in enumerate(new_list)}
        for variant, i in old_names.items():
            at_o = pointer_join(op, key, i)
            if variant in new_names:
                j = new_names[variant]
                yield from self._nested(old_list[i], at_o, new_list[j], pointer_join(np, key, j), direction, label)
            else:
                level = BREAKING if request else SERVER
                yield Found(
                    level,
                    f"{'request' if request else 'response'}-variant-removed",
                    label,
                    f"{key} variant {variant} removed",
                    at_o,
                    pointer_join(np, key),
                )
        for variant, j in new_names.items():
            if variant not in old_names:
                level = SERVER if request else BREAKING
                yield Found(
                    level,
                    f"{'request' if request else 'response'}-variant-added",
                    label,
                    f"{key} variant {variant} added",
                    pointer_join(op, key),
                    pointer_join(np, key, j),
                )


def _num(value: Json) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _kinds(kinds: frozenset[str] | None) -> str:
    return "any" if kinds is None else "|".join(sorted(kinds))
