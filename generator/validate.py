"""Structural validation with openapi-spec-validator, its errors mapped back to file:line.

jsonschema's raw messages are reduced to one plain sentence at the deepest relevant pointer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import ValidationError, best_match
from jsonschema_path import SchemaPath
from openapi_schema_validator import oas31_format_checker
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError, UnresolvableParameterError

from generator.errors import Finding
from generator.lint import lint
from generator.load import Document
from generator.openapi import DocumentIndex, mapping, neutralise_refs
from generator.pointer import pointer_join

RULE = "openapi"
# Reported by lint rules (operation-id, path-params, default-valid) at the node itself, so not twice.
LINTED = (DuplicateOperationIDError, UnresolvableParameterError)


class _Crash(Exception):
    """The validator raised while checking the node at parts (it assumes shapes it has not checked)."""

    def __init__(self, parts: tuple[Any, ...], cause: Exception) -> None:
        super().__init__(str(cause))
        self.parts, self.cause = parts, cause


def _located(cls: type[Any]) -> type[Any]:
    """cls, stamping each error it yields with the document path of the node it was checking.

    The library's semantic checks (schemas against their dialect, defaults, duplicates) yield errors
    without a document path; the innermost keyword validator knows it, as a SchemaPath argument.
    """
    is_value = issubclass(cls, keywords.ValueValidator)

    class Located(cls):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
            where = next((tuple(a.parts) for a in args if isinstance(a, SchemaPath)), ())
            try:
                for error in super().__call__(*args, **kwargs):
                    if not hasattr(error, "voxspec_parts"):
                        error.voxspec_parts = (*where, *(("default",) if is_value else ()), *error.path)
                        error.voxspec_linted = is_value
                    yield error
            except (_Crash, RecursionError):
                raise
            except Exception as exc:  # the library assumes shapes; report where it gave up
                raise _Crash(where, exc) from None

    Located.__name__ = f"Located{cls.__name__}"
    return Located


class _FastSchemaCheck(keywords.OpenAPIV31SchemaValidator):
    """openapi-spec-validator's check of each schema against its dialect's metaschema, answered first by
    jsonschema-rs (compiled, about 300x faster here): a schema it accepts is accepted; any other goes to the
    library's own checker, which alone decides and words the error. jsonschema-rs is handed the library's
    format checks, so it accepts nothing the library rejects; where it is stricter (formats the library does
    not check) the library is simply asked. Documents reach here from load, which refuses nesting deeper
    than load.MAX_DEPTH, well within what jsonschema-rs recurses through."""

    def _get_schema_checker(self, schema: SchemaPath, schema_value: Any) -> Callable[[Any], None]:
        library = super()._get_schema_checker(schema, schema_value)
        validator_cls = self._get_validator_class_for_dialect(self._get_schema_dialect_id(schema, schema_value))
        fast = _compiled_metaschema(validator_cls)

        def check(value: Any) -> None:
            if fast is None or not fast.is_valid(value):
                library(value)

        return check


_COMPILED: dict[str, Any] = {}  # by the dialect's metaschema URI


def _compiled_metaschema(validator_cls: Any) -> Any:
    """jsonschema-rs' validator of a dialect's metaschema, built once per dialect; None if it cannot build one."""
    key = str(validator_cls.META_SCHEMA.get("$id") or validator_cls.META_SCHEMA.get("$schema"))
    if key not in _COMPILED:
        try:
            # The metaschemas the library itself checks with (metaschemas() below). The `_get_schema_checker`
            # hook above is a private method: no public API offers one, and without it validation takes 2.7 times
            # the CPU (bench/README.md). If either moves, the library's own checker answers everything, still
            # correct, and tests/unit/test_validate.py::test_the_private_layout_the_fast_path_relies_on fails.
            registry = jsonschema_rs.Registry(metaschemas())
            formats = {name: _conforms(name) for name in oas31_format_checker.checkers}
            _COMPILED[key] = jsonschema_rs.validator_for(
                validator_cls.META_SCHEMA, registry=registry, validate_formats=True, formats=formats
            )
        except Exception:  # an unknown dialect or metaschema: the library checks alone
            _COMPILED[key] = None
    return _COMPILED[key]


def metaschemas() -> list[tuple[str, Any]]:
    """Every metaschema openapi-schema-validator checks with, by URI: JSON Schema's own drafts (the public
    registry of jsonschema-specifications) and the OpenAPI dialects and vocabularies the library ships as
    package data in its `schemas/` folder."""
    from importlib.resources import files

    from jsonschema_specifications import REGISTRY

    found = [(uri, REGISTRY[uri].contents) for uri in REGISTRY]
    folders = [files("openapi_schema_validator").joinpath("schemas")]
    while folders:
        for child in sorted(folders.pop().iterdir(), key=lambda c: c.name):
            if child.is_dir():
                folders.append(child)
            elif not child.name.startswith("."):  # every file is a JSON schema (vocabularies/base has no suffix)
                contents = json.loads(child.read_text(encoding="utf-8"))
                if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
                    found.append((contents["$id"], contents))
    return found


def _conforms(name: str) -> Callable[[Any], bool]:
    return lambda value: bool(oas31_format_checker.conforms(value, name))


class _Validator(OpenAPIV31SpecValidator):
    """openapi-spec-validator whose semantic checks say where each problem is (see _located)."""


_Validator.keyword_validators = {
    name: _located(_FastSchemaCheck if name == "schema" else cls)
    for name, cls in OpenAPIV31SpecValidator.keyword_validators.items()
}


def validate(doc: Document, index: DocumentIndex | None = None) -> list[Finding]:
    """Every structural problem openapi-spec-validator finds, each once."""
    index = index or DocumentIndex(doc)
    version_problem = _version_problem(doc)
    if version_problem:
        return [version_problem]
    # Dangling refs are reported by lint; the validator would stop at the first one. What it would say about
    # the emptied node (a parameter without `name`, a response without `description`) is not said either.
    data = neutralise_refs(doc.data, index.dangling)
    emptied = [owner for owner, target in index.all_refs if target in index.dangling]
    validator = _Validator(data)
    try:
        # The semantic checks assume a document of the right shape: run them only on one.
        errors = list(validator.schema_validator.iter_errors(data))
        if not errors:
            errors = [e for e in validator.root_validator(validator.schema_path) if not _linted(e)]
    except RecursionError:
        return [doc.finding("", "the document's references nest too deeply to validate", RULE)]
    except _Crash as crash:
        message = f"the validator could not check this node: {_first_line(str(crash))}"
        return [doc.finding(_physical(doc, crash.parts), message, RULE)]
    except Exception as exc:  # the validator surfaces resolver failures as assorted exception types
        return [doc.finding("", f"the validator could not process the document: {_first_line(str(exc))}", RULE)]
    findings = {_to_finding(doc, error) for error in errors}
    index.schemas_valid = not findings and not index.dangling
    return sorted(f for f in findings if not any(_within(f.pointer, owner) for owner in emptied))


def _within(pointer: str, owner: str) -> bool:
    return pointer == owner or pointer.startswith(owner + "/")


def _version_problem(doc: Document) -> Finding | None:
    if "openapi" not in doc.data:
        found = " (this is a Swagger 2.0 document)" if "swagger" in doc.data else ""
        return doc.finding("", f"no `openapi` field; voxspec reads OpenAPI 3.1 documents{found}", RULE)
    version = doc.data["openapi"]
    if not isinstance(version, str):
        kind = "a number" if isinstance(version, int | float) else f"a {type(version).__name__}"
        return doc.finding("/openapi", f'`openapi` must be a string such as "3.1.0", this one is {kind}', RULE)
    if not version.startswith("3.1"):
        return doc.finding("/openapi", f"voxspec reads OpenAPI 3.1 documents, this one says {version!r}", RULE)
    return None


def _linted(error: Any) -> bool:
    return isinstance(error, LINTED) or bool(getattr(error, "voxspec_linted", False))


def _to_finding(doc: Document, error: Any) -> Finding:
    parts = getattr(error, "voxspec_parts", None)
    if isinstance(error, ValidationError) and error.context:
        best = best_match(error.context) or error
        # the sub-error of an anyOf/oneOf lies below the error the validator was stamped on
        if parts is not None and best is not error:
            parts = (*parts, *best.relative_path)
        error = best
    if parts is not None:
        pointer = _physical(doc, parts)
    else:
        pointer = pointer_join("", *(str(p) for p in getattr(error, "absolute_path", None) or []))
    unknown = _unknown_fields(doc, pointer, error)
    if unknown:
        return doc.finding(pointer_join(pointer, unknown[0]), f"unknown field(s) {', '.join(map(repr, unknown))}", RULE)
    return doc.finding(pointer, _plain_message(error), RULE)


def _physical(doc: Document, parts: Iterable[Any]) -> str:
    """The pointer of the node the validator reached by parts, where it is written: the validator walks
    through $refs, so its path may run through the referring node rather than the definition."""
    pointer, node = "", doc.data
    for part in parts:
        key = str(part)
        seen: set[str] = set()
        while isinstance(node, dict) and key not in node and isinstance(node.get("$ref"), str):
            target = node["$ref"]
            if target in seen or not target.startswith("#"):
                break
            seen.add(target)
            try:
                node = doc.resolve(target)
            except KeyError:
                break
            pointer = target[1:]
        pointer = pointer_join(pointer, key)
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            node = None
    return pointer


def _unknown_fields(doc: Document, pointer: str, error: Any) -> list[str]:
    """The keys an additionalProperties/unevaluatedProperties error rejects, in document order."""
    message = _first_line(str(getattr(error, "message", "")))
    if not message.startswith(("Additional properties are not allowed", "Unevaluated properties are not allowed")):
        return []
    try:
        node = doc.resolve(pointer)
    except KeyError:
        return []
    listed = message[message.find("(") :]
    return [key for key in mapping(node) if f"'{key}'" in listed or repr(key) in listed]


def _plain_message(error: Any) -> str:
    message = _first_line(getattr(error, "message", str(error)))
    if getattr(error, "validator", None) == "required":
        return message.replace("is a required property", "is required here")
    return message


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid"


def check(doc: Document, only: set[str] | None = None, structural: bool = True) -> list[Finding]:
    """Every finding about doc, sorted: openapi-spec-validator's (unless `structural` is off), then voxspec lint's
    (only the `only` rules when given). Validation runs first: once it accepts the document, lint need not check
    each schema against the metaschema a second time."""
    index = DocumentIndex(doc)
    found = validate(doc, index) if structural else []
    return sorted(set(found) | set(lint(doc, index, only)))
