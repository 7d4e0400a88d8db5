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


def rules(declared: Any) -> Rules:
    """An operation's rules as its runtime data gives them (the generator filled in the root's `duplicate`);
    the defaults when it gives none."""
    if not declared:
        return Rules()
    duplicate = str(declared["duplicate"])
    unique = tuple(tuple(str(f) for f in fields) for fields in declared["unique"])
    children = tuple(Child(str(c["operation"]), c["field"], str(c["on_delete"])) for c in declared["children"])
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
