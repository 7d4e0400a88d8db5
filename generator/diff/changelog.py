"""`generated/<vendor>/CHANGELOG.md`: one entry per release tag of the vendor, plus the current version when it
is not released yet, each listing the classified API changes since the release before it.
"""

from __future__ import annotations

from pathlib import Path

from generator.diff.model import Change, Level
from generator.diff.operations import diff_documents
from generator.diff.sources import spec_at
from generator.diff.versions import package_version, release_tags
from generator.load import Document

# Changes a reader of a changelog does not need one by one: they are counted instead.
DOCUMENTATION = {
    "description-changed",
    "title-changed",
    "example-changed",
    "operation-summary-changed",
    "operation-description-changed",
    "operation-tags-changed",
    "parameter-description-changed",
    "response-description-changed",
}
SECTIONS = (
    (Level.BREAKING, "Breaking changes for clients"),
    (Level.SERVER, "Breaking changes for servers and mocks"),
    (Level.COMPATIBLE, "Compatible changes"),
)


def _lines(changes: tuple[Change, ...]) -> list[str]:
    out: list[str] = []
    docs = sum(1 for c in changes if c.rule in DOCUMENTATION)
    for level, title in SECTIONS:
        seen: set[str] = set()
        items = []
        for change in changes:
            if change.level is not level or change.rule in DOCUMENTATION:
                continue
            text = f"- `{change.operation}`: {change.message}" if change.operation else f"- {change.message}"
            if text not in seen:
                seen.add(text)
                items.append(text)
        if level is Level.COMPATIBLE and docs:
            items.append(f"- {docs} documentation change(s): descriptions, summaries, examples")
        if items:
            out += [f"### {title}", "", *items, ""]
    return out or ["No API changes.", ""]


def render_changelog(root: Path, vendor: str, current: Document, header: str) -> str:
    """The changelog text; deterministic for a given set of tags and specs (no dates, newest first)."""
    entries: list[tuple[str, list[str]]] = []
    previous: tuple[str, Document] | None = None
    tags = release_tags(root, vendor)
    for version, tag in tags:
        doc = spec_at(root, vendor, tag)
        name = ".".join(map(str, version))
        if previous is None:
            entries.append((name, ["First release.", ""]))
        else:
            entries.append((f"{name} (since {previous[0]})", _lines(diff_documents(previous[1], doc).changes)))
        previous = (name, doc)
    now = package_version(current)
    if previous is None:
        entries.append((now, ["First release.", ""]))
    elif now != previous[0]:
        changes = diff_documents(previous[1], current).changes
        entries.append((f"{now} (unreleased, since {previous[0]})", _lines(changes)))
    out = [
        f"<!-- {header} -->",
        f"# Changelog of voxspec-{vendor}",
        "",
        f"Versions of this package (`info.x-voxspec-package-version` in `specs/{vendor}/openapi.yaml`). Each entry",
        "lists the API changes since the release before it, as `voxspec diff` classifies them; a release is the git",
        f"tag `{vendor}-v<version>`.",
        "",
    ]
    for title, lines in reversed(entries):
        out += [f"## {title}", "", *lines]
    return "\n".join(out).rstrip("\n") + "\n"
