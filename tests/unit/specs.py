"""Tiny specs the unit tests build on: one valid document, and ways to break it."""

from __future__ import annotations

import copy
from typing import Any

VALID: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Tiny", "version": "1"},
    "tags": [{"name": "things", "description": "Things."}],
    "security": [{"key": []}],
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "get_thing",
                "summary": "Get a thing",
                "description": "One thing by its id.",
                "tags": ["things"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"], "default": "a"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Thing"},
                                "example": {"id": 1, "name": "one"},
                            }
                        },
                    },
                    "404": {
                        "description": "missing",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"},
                                "example": {"message": "not found"},
                            }
                        },
                    },
                },
            }
        }
    },
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        },
    },
}


def valid() -> dict[str, Any]:
    return copy.deepcopy(VALID)


def op(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["paths"]["/things/{id}"]["get"]
    return result
