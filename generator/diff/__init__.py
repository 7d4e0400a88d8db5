"""Spec comparison: operations and schemas matched across two documents, every change classified.

`diff_documents` is the engine; `sources.resolve` reads a side; `report` renders; `versions` ties breaks to semver.
Names load on first use: the CLI builds its parser from `command`, and every other voxspec command should not pay
for importing the YAML loader on its behalf.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.diff.model import Change, Diff, Level, Side
    from generator.diff.operations import diff_documents

__all__ = ["Change", "Diff", "Level", "Side", "diff_documents"]


def __getattr__(name: str) -> Any:
    if name == "diff_documents":
        from generator.diff.operations import diff_documents

        return diff_documents
    if name in __all__:
        from generator.diff import model

        return getattr(model, name)
    raise AttributeError(name)
