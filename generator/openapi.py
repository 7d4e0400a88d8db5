"""Small readers of OpenAPI structure shared by lint and build: operations, refs, schemas.

Nothing here renders or prints; each function takes plain JSON data.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from generator.load import Document, Json, walk
from generator.mock.patterns import EcmaValidator
from generator.pointer import pointer_join, unescape

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies", "headers", "examples", "links")
TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")


@dataclass(frozen=True)
class OperationRef:
    path: str
    method: str
    node: dict[str, Any]
    pointer: str
    path_item: dict[str, Any]


def operations(data: Json) -> Iterator[OperationRef]:
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield OperationRef(path, method, op, pointer_join("", "paths", path, method), item)


def mapping(node: Json) -> dict[str, Any]:
    """node when it is a mapping, else an empty one: rules read malformed specs without raising."""
    return node if isinstance(node, dict) else {}


def sequence(node: Json) -> list[Any]:
    """node when it is a list, else an empty one."""
    return node if isinstance(node, list) else []


def refs(data: Json) -> Iterator[tuple[str, str]]:
    """(pointer of the $ref key's owner, target) for every $ref in the document."""
    for pointer, node in walk(data):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            yield pointer, node["$ref"]


def neutralise_refs(data: Json, dangling: Collection[str]) -> Json:
    """A copy of data with every dangling $ref replaced by an empty schema."""
    if not dangling:
        return data
    clone = copy.deepcopy(data)
    for _pointer, node in walk(clone):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] in dangling:
            del node["$ref"]
    return clone


class SchemaChecker:
    """Validates instances against schemas that live inside one OpenAPI document.

    The whole document is the root resource, so '#/components/...' refs resolve as written.
    A schema that is itself broken (not a valid JSON Schema, a dangling or circular $ref, in it or
    in a schema it refers to) checks nothing: validate and ref-resolves report that root cause once,
    where judging examples against it would only add misleading findings.
    """

    def __init__(self, doc: Document, broken_refs: Collection[str] = (), meta_checked: bool = False) -> None:
        self._doc = doc
        # True when openapi-spec-validator has already found every schema of doc valid: then only refs are checked.
        self._meta_checked = meta_checked
        # `pattern` read as ECMA-262, as the mock, the proxy and schemathesis read it: an example lint accepts is
        # one the mock serves and accepts
        self._root = EcmaValidator(doc.data, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
        self._broken_refs = broken_refs
        self._sound: dict[str, bool] = {}

    def errors(self, schema: Json, instance: Json) -> list[ValidationError]:
        if not self._is_sound(schema):
            return []
        try:
            return list(self._root.evolve(schema=schema).iter_errors(instance))
        except Exception:  # referencing raises several unrelated types for bad refs; RecursionError too
            return []

    def _is_sound(self, schema: Json) -> bool:
        """schema and every schema it refers to (transitively) are valid JSON Schemas."""
        pending: list[tuple[str | None, Json]] = [(None, schema)]
        checked: set[str] = set()
        while pending:
            ref, node = pending.pop()
            if ref is not None and ref in self._sound:
                if not self._sound[ref]:
                    return False
                continue
            if not self._meta_checked and not self._meta.is_valid(node):
                if ref is not None:
                    self._sound[ref] = False
                return False
            for _pointer, target in refs(node):
                if target in self._broken_refs or not target.startswith("#"):
                    return False
                if target not in checked:
                    checked.add(target)
                    try:
                        pending.append((target, self._doc.resolve(target)))
                    except KeyError:
                        return False
        self._sound.update((ref, True) for ref in checked)
        return True


def media_examples(media: dict[str, Any], pointer: str, doc: Document) -> Iterator[tuple[str, str, Json]]:
    """(name, pointer, value) of each example on a media type or parameter object: its `example` (named
    "example"), then each of its named `examples` that has a value. The one reader of examples: lint checks
    them, build puts them into the IR."""
    if "example" in media:
        yield "example", pointer_join(pointer, "example"), media["example"]
    examples = media.get("examples")
    if isinstance(examples, dict):
        for name, entry in examples.items():
            try:
                ex = doc.deref(entry)
            except KeyError:
                continue
            if isinstance(ex, dict) and "value" in ex:
                yield str(name), pointer_join(pointer, "examples", name, "value"), ex["value"]


def followed(doc: Document, pointer: str, node: Json) -> tuple[str, Json]:
    """(pointer, node) where node's chain of local references ends; (pointer, node) itself when it is no
    reference, or one that leads nowhere."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#"):
            break
        seen.add(ref)
        try:
            node = doc.resolve(ref)
        except KeyError:
            break
        pointer = ref[1:]
    return pointer, node


class DocumentIndex:
    """Lazily computed facts about a document that several rules share."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # Set by validate when openapi-spec-validator found nothing: every schema is then a valid one.
        self.schemas_valid = False

    @cached_property
    def checker(self) -> SchemaChecker:
        return SchemaChecker(self.doc, self.dangling, meta_checked=self.schemas_valid)

    @cached_property
    def nodes(self) -> list[tuple[str, Json]]:
        """walk(doc.data) once: the rules that visit every node share it."""
        return list(walk(self.doc.data))

    @cached_property
    def all_refs(self) -> list[tuple[str, str]]:
        return [
            (pointer, node["$ref"])
            for pointer, node in self.nodes
            if isinstance(node, dict) and isinstance(node.get("$ref"), str)
        ]

    @cached_property
    def dangling(self) -> dict[str, str]:
        """Each $ref target that reaches no node, with why: "missing", "external" or the circular chain."""
        bad: dict[str, str] = {}
        for _pointer, target in self.all_refs:
            if target not in bad:
                problem = self._ref_problem(target)
                if problem:
                    bad[target] = problem
        return bad

    def _ref_problem(self, target: str) -> str | None:
        """None when target leads to a definition; else "external", "missing", the loop ("A -> B -> A"),
        or "indirect" when it leads to another $ref that is broken (reported where that one is)."""
        chain = [target]
        while True:
            if not chain[-1].startswith("#"):
                return "external" if len(chain) == 1 else "indirect"
            try:
                node = self.doc.resolve(chain[-1])
            except KeyError:
                return "missing" if len(chain) == 1 else "indirect"
            following = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(following, str):
                return None
            if following in chain:
                return " -> ".join([*chain[chain.index(following) :], following])
            chain.append(following)


# JSON Schema keywords whose value is a schema, a list of schemas, or a map of names to schemas: the places an
# inlined schema is walked. Every other keyword (enum, const, default, example, required...) is a value, copied.
SCHEMA_KEYWORDS = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
    }
)
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})


class SchemaInliner:
    """Schemas with every local `$ref` replaced by what it leads to (through Document.resolve, the loader's one
    resolver), for consumers that take a schema as it stands: the mock validates and walks them as they are.

    Keywords beside a `$ref` (a `description`, a `default`) are kept over the target's, as OpenAPI 3.1 reads
    them; `x-` extensions are dropped, since a consumer of a resolved schema reads the IR's own fields for them.
    A schema that refers to itself keeps the named reference where it recurses, as `{"$ref": "#/$defs/Name"}`
    with that definition under the outermost schema's `$defs`, so the result is still one self-contained
    JSON Schema. A dangling `$ref` (validate reports it) becomes the empty schema."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._done: dict[str, Json] = {}  # a component's inlined form, when it recursed nowhere
        self._recursions = 0  # references kept by name so far: a walk that added one depends on its $defs

    def inline(self, schema: Json) -> Json:
        defs: dict[str, Json] = {}
        out = self._walk(schema, (), defs)
        if defs and isinstance(out, dict):
            out = {**out, "$defs": {**(out.get("$defs") or {}), **defs}}
        return out

    def _walk(self, node: Json, stack: tuple[str, ...], defs: dict[str, Json]) -> Json:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            siblings = self._keywords(node, stack, defs)
            if ref in stack:  # it recurses: a named reference, its definition inlined once
                self._recursions += 1
                name = _def_name(ref)
                if name not in defs:
                    defs[name] = True  # claimed, so that the recursion inside stops here too
                    defs[name] = self._walk(self._target(ref), (ref,), defs)
                return {"$ref": pointer_join("#", "$defs", name), **siblings}
            target = self._done.get(ref)
            if target is None:
                before = self._recursions
                target = self._walk(self._target(ref), (*stack, ref), defs)
                if self._recursions == before:
                    self._done[ref] = target
            if not isinstance(target, dict):
                return target if not siblings else {"allOf": [target], **siblings}
            return {**target, **siblings} if siblings else target
        return self._keywords(node, stack, defs)

    def _keywords(self, node: dict[str, Any], stack: tuple[str, ...], defs: dict[str, Json]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for key, value in node.items():
            if key == "$ref" or key.startswith("x-"):
                continue
            if key in SCHEMA_KEYWORDS:
                out[key] = self._walk(value, stack, defs)
            elif key in SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._walk(v, stack, defs) for v in value]
            elif key in SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: self._walk(v, stack, defs) for name, v in value.items()}
            else:
                out[key] = value
        return out

    def _target(self, ref: str) -> Json:
        try:
            return self.doc.resolve(ref)
        except KeyError:
            return {}


def _def_name(ref: str) -> str:
    """The `$defs` name of a recursive schema: its component's name (`#/components/schemas/Node` -> `Node`)."""
    return unescape(ref.rsplit("/", 1)[-1]) or "root"
