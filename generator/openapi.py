"""Small readers of OpenAPI structure shared by lint and build: operations, refs, schemas.

Nothing here renders or prints; each function takes plain JSON data.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from generator.load import Document, Json, pointer_join, walk

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


def refs(data: Json) -> Iterator[tuple[str, str]]:
    """(pointer of the $ref key's owner, target) for every $ref in the document."""
    for pointer, node in walk(data):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            yield pointer, node["$ref"]


def neutralise_refs(data: Json, dangling: set[str]) -> Json:
    """A copy of data with every dangling $ref replaced by an empty schema."""
    if not dangling:
        return data
    clone = copy.deepcopy(data)
    for _pointer, node in walk(clone):
        if isinstance(node, dict) and node.get("$ref") in dangling:
            del node["$ref"]
    return clone


class SchemaChecker:
    """Validates instances against schemas that live inside one OpenAPI document.

    The whole document is the root resource, so '#/components/...' refs resolve as written.
    """

    def __init__(self, data: Json) -> None:
        self._root = Draft202012Validator(data, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def errors(self, schema: Json, instance: Json) -> list[ValidationError]:
        try:
            return list(self._root.evolve(schema=schema).iter_errors(instance))
        except RecursionError:
            return [ValidationError("schema recursion too deep to validate")]
        except Exception as exc:  # referencing raises several unrelated types for bad refs
            return [ValidationError(f"schema cannot be evaluated: {exc}")]


def media_examples(media: dict[str, Any], pointer: str, doc: Document) -> Iterator[tuple[str, Json]]:
    """(pointer, value) of each example on a media type or parameter object."""
    if "example" in media:
        yield pointer_join(pointer, "example"), media["example"]
    examples = media.get("examples")
    if isinstance(examples, dict):
        for name, entry in examples.items():
            try:
                ex = doc.deref(entry)
            except KeyError:
                continue
            if isinstance(ex, dict) and "value" in ex:
                yield pointer_join(pointer, "examples", name, "value"), ex["value"]


class DocumentIndex:
    """Lazily computed facts about a document that several rules share."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    @cached_property
    def checker(self) -> SchemaChecker:
        return SchemaChecker(self.doc.data)

    @cached_property
    def all_refs(self) -> list[tuple[str, str]]:
        return list(refs(self.doc.data))

    @cached_property
    def dangling(self) -> set[str]:
        bad: set[str] = set()
        for _pointer, target in self.all_refs:
            try:
                self.doc.deref({"$ref": target})
            except (KeyError, RecursionError):
                bad.add(target)
        return bad
