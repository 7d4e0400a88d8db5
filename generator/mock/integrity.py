"""Referential rules a spec declares with `x-voxspec-integrity`: what a duplicate create does, which fields no
two records of one parent share, and what deleting a record does to the records that refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DUPLICATE = ("reject", "replace")
ON_DELETE = ("reject", "cascade")


@dataclass(frozen=True)
class Child:
    """Records of the resource `operation` lists that refer to the deleted one: by `field` (its id is that
    field's value, wherever the child lives), or without one by living under it in the path."""

    operation: str
    field: str | None
    on_delete: str


@dataclass(frozen=True)
class Rules:
    duplicate: str = "replace"  # a create whose id is stored already: `reject` (409) or `replace` it
    unique: tuple[tuple[str, ...], ...] = ()  # field sets whose values no two records of one parent share
    children: tuple[Child, ...] = ()


def rules(root: Any, operation: Any) -> Rules:
    """An operation's rules: its own `x-voxspec-integrity`, with the root's `duplicate` as the default."""
    root = root if isinstance(root, dict) else {}
    own = operation if isinstance(operation, dict) else {}
    duplicate = str(own.get("duplicate") or root.get("duplicate") or "replace")
    unique = tuple(
        tuple(str(f) for f in entry) if isinstance(entry, list) else (str(entry),) for entry in own.get("unique") or []
    )
    children = tuple(
        Child(str(c["operation"]), str(c["field"]) if c.get("field") else None, str(c.get("on-delete", "reject")))
        for c in own.get("children") or []
        if isinstance(c, dict) and c.get("operation")
    )
    return Rules(duplicate if duplicate in DUPLICATE else "replace", unique, children)


def clash(record: dict[str, Any], others: list[Any], unique: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    """The first unique field set `record` shares with one of `others` (records of the same parent)."""
    for fields in unique:
        if not all(f in record for f in fields):
            continue
        mine = tuple(record[f] for f in fields)
        if any(isinstance(o, dict) and tuple(o.get(f) for f in fields) == mine for o in others):
            return fields
    return None
