"""JSON shape helpers: make a value fit its schema, merge patches, find envelopes and id fields.

Used by the CRUD engine so every stored record and every answer validates against the spec.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

Validate = Callable[[Any, Any], Any]  # (schema, value) -> first error or None
Resolve = Callable[[Any], Any]
MISSING = object()
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}|\{([A-Za-z_][A-Za-z0-9_-]*)\}")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def at(value: Any, path: list[Any]) -> Any:
    """The node at a path, MISSING when absent; list indexes past the end fall back to the first item."""
    node = value
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and node:
            node = node[step] if step < len(node) else node[0]
        else:
            return MISSING
    return node


def conform(value: Any, schema: Any, fallback: Any, first_error: Validate, rounds: int = 40) -> Any:
    """`value` changed as little as needed to validate against `schema`.

    Each failing node is replaced by the node at the same place in `fallback` (an example of the
    same schema), or dropped; when nothing helps the fallback itself is the answer. jsonschema's
    best_match is not used because the first error, fixed and re-checked, converges as well.
    """
    if schema is None:
        return value
    value = copy.deepcopy(value)
    for _ in range(rounds):
        error = first_error(schema, value)
        if error is None:
            return value
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(at(value, path), dict):
            missing = [k for k in error.validator_value if k not in at(value, path)]
            source = at(fallback, path)
            if not isinstance(source, dict) or not all(k in source for k in missing):
                return copy.deepcopy(fallback) if not path else _drop(value, path, fallback)
            for key in missing:
                at(value, path)[key] = copy.deepcopy(source[key])
            continue
        if error.validator == "additionalProperties" and isinstance(at(value, path), dict):
            node = at(value, path)
            allowed = set((error.schema.get("properties") or {}).keys())
            for key in [k for k in node if k not in allowed]:
                del node[key]
            continue
        if not path:
            return copy.deepcopy(fallback)
        replacement = at(fallback, path)
        if replacement is not MISSING and replacement != at(value, path):
            _set(value, path, copy.deepcopy(replacement))
        else:
            value = _drop(value, path, fallback)
    return copy.deepcopy(fallback)


def _set(value: Any, path: list[Any], new: Any) -> None:
    parent = at(value, path[:-1])
    parent[path[-1]] = new


def _drop(value: Any, path: list[Any], fallback: Any) -> Any:
    if not path:
        return copy.deepcopy(fallback)
    parent = at(value, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
        parent.pop(path[-1])
    return value


def _same(schema: Any) -> Any:
    return schema


def properties(schema: Any, resolve: Resolve = _same, depth: int = 0) -> dict[str, Any]:
    """Every property a schema names, through allOf/anyOf/oneOf; `resolve` follows a reference, for a caller
    whose schemas still have them (the mock's come resolved)."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    out: dict[str, Any] = {}
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key) or []:
            out.update(properties(member, resolve, depth + 1))
    out.update(schema.get("properties") or {})
    return out


def is_array(schema: Any, resolve: Resolve = _same) -> bool:
    node = resolve(schema)
    return isinstance(node, dict) and (node.get("type") == "array" or "items" in node)


def id_candidates(param: str) -> list[str]:
    """Field names that may hold the value of an id path parameter, most likely first."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in param).lstrip("_")
    names = [param, snake]
    for suffix in ("Id", "_id", "ID"):
        if param.endswith(suffix) and len(param) > len(suffix):
            names.append(param[: -len(suffix)])
    words = snake.split("_")
    if len(words) > 1 and words[-1] not in ("id", "uuid"):
        names.append(words[-1])  # `option_digits` is an option's `digits`
    names += ["id", "uuid", "name"]
    return list(dict.fromkeys(names))


def letters(name: str) -> str:
    """A name without case, hyphens or underscores: `time-frame`, `timeFrame` and `time_frame` match."""
    return "".join(c for c in name.lower() if c.isalnum())


def swap(value: Any, swaps: Mapping[str, str]) -> Any:
    """value with every string (or number) equal to an old text made the new one, and old texts of three
    characters or more replaced inside longer strings (shorter ones would hit unrelated digits)."""
    if isinstance(value, dict):
        return {k: swap(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [swap(v, swaps) for v in value]
    if isinstance(value, str):
        if value in swaps:
            return swaps[value]
        for old, new in swaps.items():
            if len(old) >= 3:
                value = value.replace(old, new)
        return value
    if isinstance(value, int) and not isinstance(value, bool) and str(value) in swaps:
        new = swaps[str(value)]
        return int(new) if new.lstrip("-").isascii() and new.lstrip("-").isdigit() else value
    return value


def fill_placeholders(value: Any, values: Mapping[str, str]) -> Any:
    """Template placeholders an example carries (`{{REGION}}`, `{accountId}`) with the values they stand for,
    matched by name without case or separators; a placeholder nothing names is left as it is."""
    if isinstance(value, dict):
        return {k: fill_placeholders(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(v, values) for v in value]
    if isinstance(value, str) and "{" in value:

        def one(match: re.Match[str]) -> str:
            return values.get(letters(match.group(1) or match.group(2)), match.group(0))

        return PLACEHOLDER.sub(one, value)
    return value
