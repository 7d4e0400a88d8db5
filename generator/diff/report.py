"""Render a Diff as text grouped by operation, as JSON, or as Markdown.

Each finding shows the line on both sides (`old:412 new:418`); a side where the thing does not exist points at
its nearest parent there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from generator.diff.model import Change, Diff, Level

MARK = {Level.BREAKING: "BREAKING", Level.SERVER: "SERVER-BREAKING", Level.COMPATIBLE: "compatible"}


def _lines(change: Change) -> str:
    old = f"old:{change.old.line}" if change.old else "old:-"
    new = f"new:{change.new.line}" if change.new else "new:-"
    return f"{old} {new}"


def _groups(diff: Diff) -> Iterator[tuple[str, list[Change]]]:
    groups: dict[str, list[Change]] = {}
    for change in diff.changes:
        groups.setdefault(change.operation or "(document)", []).append(change)
    yield from groups.items()


def summary(diff: Diff) -> str:
    return (
        f"{diff.old_name} -> {diff.new_name}: {diff.count(Level.BREAKING)} breaking, "
        f"{diff.count(Level.SERVER)} server-breaking, {diff.count(Level.COMPATIBLE)} compatible"
    )


def text(diff: Diff) -> str:
    out: list[str] = []
    for operation, changes in _groups(diff):
        out.append(operation)
        for change in changes:
            out.append(f"  {MARK[change.level]:<15} {change.message} [{change.rule}] ({_lines(change)})")
    out.append(summary(diff))
    return "\n".join(out) + "\n"


def as_json(diff: Diff) -> str:
    body = {
        "old": diff.old_name,
        "new": diff.new_name,
        "summary": {level.value: diff.count(level) for level in Level},
        "changes": [change.as_json() for change in diff.changes],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(diff: Diff) -> str:
    out = [f"# API changes: `{diff.old_name}` → `{diff.new_name}`", "", summary(diff), ""]
    for operation, changes in _groups(diff):
        out += [f"## `{operation}`", "", "| level | change | rule | old line | new line |", "|---|---|---|---|---|"]
        for change in changes:
            old = str(change.old.line) if change.old else ""
            new = str(change.new.line) if change.new else ""
            out.append(f"| {change.level.value} | {_cell(change.message)} | `{change.rule}` | {old} | {new} |")
        out.append("")
    return "\n".join(out)


FORMATS = {"text": text, "json": as_json, "markdown": markdown}
