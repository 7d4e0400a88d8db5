"""Package versions and releases: semver of `info.x-voxspec-package-version`, release tags `<vendor>-v<version>`,
and the check that a change breaking clients since the last release comes with the bump semver asks for.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from generator.diff.model import Diff, Level
from generator.diff.operations import diff_documents
from generator.diff.sources import spec_at
from generator.errors import Finding
from generator.load import Document, load

DEFAULT_VERSION = "0.1.0"
VERSION_POINTER = "/info/x-voxspec-package-version"
_CORE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+].*)?$")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version | None:
    match = _CORE.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def package_version(doc: Document) -> str:
    info = doc.data.get("info") if isinstance(doc.data.get("info"), dict) else {}
    assert isinstance(info, dict)
    return str(info.get("x-voxspec-package-version", DEFAULT_VERSION))


def release_tags(root: Path, vendor: str) -> list[tuple[Version, str]]:
    """The vendor's release tags, oldest version first; none when git or its history is not there."""
    try:
        listed = subprocess.run(
            ["git", "tag", "--list", f"{vendor}-v*"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return []
    if listed.returncode != 0:
        return []
    tags = []
    for tag in listed.stdout.split():
        version = parse_version(tag.removeprefix(f"{vendor}-v"))
        if version is not None:
            tags.append((version, tag))
    return sorted(tags)


def required(old: Version) -> Version:
    """The least version a change breaking clients must move to from old: next major, or next minor under 1.0."""
    return (0, old[1] + 1, 0) if old[0] == 0 else (old[0] + 1, 0, 0)


def bump_finding(doc: Document, since: str, old_version: str, result: Diff) -> Finding | None:
    breaking = [c for c in result.changes if c.level is Level.BREAKING]
    old, new = parse_version(old_version), parse_version(package_version(doc))
    if not breaking or old is None or new is None or new >= required(old):
        return None
    need = ".".join(map(str, required(old)))
    first = breaking[0]
    message = (
        f"{len(breaking)} change(s) since {since} break clients, so the package version must be {need} or later "
        f"(it is {package_version(doc)}); the first: {first.operation or 'document'}: {first.message} "
        f"[{first.rule}]. Run `voxspec diff {doc.path.parent.name}@{since} {doc.path.parent.name}` for all"
    )
    return doc.finding(VERSION_POINTER, message, "package-version-bump")


def _committed_at(root: Path, rev: str, relative: str) -> bool:
    """Whether rev has the file; a rev that is no commit at all is left to spec_at to report (exit 2)."""
    if rev.startswith("-"):
        return True
    probe = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root, capture_output=True, check=False
    )
    if probe.returncode != 0:
        return True
    return (
        subprocess.run(
            ["git", "cat-file", "-e", f"{rev}:{relative}"], cwd=root, capture_output=True, check=False
        ).returncode
        == 0
    )


def check_versions(root: Path, vendors: list[str], since: str | None = None) -> list[Finding]:
    """A finding per vendor whose spec breaks clients since `since` (default: its last release tag) unbumped.

    A vendor without release tags (and no --since) has nothing to be compared with and passes.
    """
    findings = []
    for vendor in vendors:
        tags = release_tags(root, vendor)
        base = since or (tags[-1][1] if tags else None)
        if base is None:
            continue
        if not _committed_at(root, base, f"specs/{vendor}/openapi.yaml"):
            continue  # a vendor added after base: nothing released to break
        old = spec_at(root, vendor, base)
        new = load(root / "specs" / vendor / "openapi.yaml", root)
        finding = bump_finding(new, base, package_version(old), diff_documents(old, new))
        if finding is not None:
            findings.append(finding)
    return findings
