"""What a diff finds: one Change per difference, with its level, rule and where it is on both sides.

Levels order by how much a maintainer must do about them: a client break, a server break, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module to build its parser; the loader is only needed to diff
    from generator.load import Document


class Level(StrEnum):
    BREAKING = "breaking"  # an existing client stops working (or stops compiling) against the new API
    SERVER = "server-breaking"  # servers and mocks built from the old spec reject or miss what the new one says
    COMPATIBLE = "compatible"

    @property
    def rank(self) -> int:
        return {"breaking": 2, "server-breaking": 1, "compatible": 0}[self.value]


@dataclass(frozen=True, order=True)
class Side:
    """Where a change sits in one document: JSON pointer and 1-based line."""

    pointer: str
    line: int

    @classmethod
    def of(cls, doc: Document, pointer: str) -> Side:
        return cls(pointer, doc.where(pointer)[0])


@dataclass(frozen=True)
class Change:
    level: Level
    rule: str
    operation: str  # "GET /calls/{id}" or "" for document-wide changes (auth schemes, servers)
    message: str
    old: Side | None = field(default=None)
    new: Side | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "rule": self.rule,
            "operation": self.operation,
            "message": self.message,
            "old": None if self.old is None else {"pointer": self.old.pointer, "line": self.old.line},
            "new": None if self.new is None else {"pointer": self.new.pointer, "line": self.new.line},
        }

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.operation, -self.level.rank, self.rule, self.message)


@dataclass(frozen=True)
class Diff:
    old_name: str
    new_name: str
    changes: tuple[Change, ...]

    def count(self, level: Level) -> int:
        return sum(1 for change in self.changes if change.level is level)

    @property
    def worst(self) -> Level:
        return max((c.level for c in self.changes), key=lambda lv: lv.rank, default=Level.COMPATIBLE)
