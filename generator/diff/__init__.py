"""Spec comparison: operations and schemas matched across two documents, every change classified.

`diff_documents` is the engine; `sources.resolve` reads a side; `report` renders; `versions` ties breaks to semver.
"""

from __future__ import annotations

from generator.diff.model import Change, Diff, Level, Side
from generator.diff.operations import diff_documents

__all__ = ["Change", "Diff", "Level", "Side", "diff_documents"]
