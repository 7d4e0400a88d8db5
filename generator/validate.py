"""Structural validation with openapi-spec-validator, its errors mapped back to file:line.

jsonschema's raw messages are reduced to one plain sentence at the deepest relevant pointer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator import OpenAPIV31SpecValidator

from generator.errors import Finding
from generator.load import Document, pointer_join
from generator.openapi import DocumentIndex, neutralise_refs

RULE = "openapi"


def validate(doc: Document, index: DocumentIndex | None = None) -> list[Finding]:
    """Every structural problem openapi-spec-validator finds, each once."""
    index = index or DocumentIndex(doc)
    version = doc.data.get("openapi")
    if not isinstance(version, str) or not version.startswith("3.1"):
        return [doc.finding("/openapi", f"voxspec reads OpenAPI 3.1 documents, this one says {version!r}", RULE)]
    # Dangling refs are reported by lint; the validator would stop at the first one.
    data = neutralise_refs(doc.data, index.dangling)
    findings: list[Finding] = []
    try:
        errors: Iterable[Any] = list(OpenAPIV31SpecValidator(data).iter_errors())
    except RecursionError:
        return [doc.finding("", "the document's references nest too deeply to validate", RULE)]
    except Exception as exc:  # the validator surfaces resolver failures as assorted exception types
        return [doc.finding("", f"the validator could not process the document: {_first_line(str(exc))}", RULE)]
    for error in errors:
        findings.append(_to_finding(doc, error))
    return sorted(set(findings))


def _to_finding(doc: Document, error: Any) -> Finding:
    if isinstance(error, ValidationError) and error.context:
        error = best_match(error.context) or error
    path = list(getattr(error, "absolute_path", None) or getattr(error, "path", None) or [])
    pointer = pointer_join("", *(str(p) for p in path))
    return doc.finding(pointer, _plain_message(error), RULE)


def _plain_message(error: Any) -> str:
    message = _first_line(getattr(error, "message", str(error)))
    validator = getattr(error, "validator", None)
    if validator == "additionalProperties" and "were unexpected" in message:
        extra = message.split("(", 1)[-1].rstrip(")")
        return f"unknown field(s) {extra}"
    if validator == "required":
        return message.replace("is a required property", "is required here")
    return message


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid"
