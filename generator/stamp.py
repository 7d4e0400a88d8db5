"""The no-op check of `voxspec generate`: a content hash of everything generation reads and writes.

It imports nothing heavy, so an unchanged project is confirmed in milliseconds rather than re-rendered.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from generator.write import IGNORED_PARTS, replace_file

GENERATOR_ROOT = Path(__file__).resolve().parent
STAMP = Path(".voxspec") / "generate.stamp"


def _files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (
            path.is_file()
            and not set(rel.parts) & IGNORED_PARTS
            and not any(p.endswith(".egg-info") for p in rel.parts)
        ):
            yield path


def _installed() -> list[str]:
    """The installed distributions with their versions (dist-info folder names): a new version of
    datamodel-code-generator, ruff or Jinja2 can change the output, so it invalidates the stamp."""
    names: set[str] = set()
    for entry in sys.path:
        try:
            names.update(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
        except OSError:
            continue
    return sorted(names)


def digest(root: Path) -> str | None:
    """The hash of inputs (specs, generator sources and templates, Python and package versions) and outputs
    (generated/); None when generated/ holds the leftovers of an interrupted run, which only a full run repairs."""
    generated = root / "generated"
    if generated.is_dir() and any(p.name.startswith(".") and "voxspec" in p.name for p in generated.iterdir()):
        return None
    h = hashlib.sha256()
    h.update(sys.version.encode())
    h.update("\n".join(_installed()).encode())
    for label, folder in (("specs", root / "specs"), ("generator", GENERATOR_ROOT), ("generated", generated)):
        for path in _files(folder):
            data = path.read_bytes()
            h.update(f"\0{label}/{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()


def up_to_date(root: Path) -> bool:
    """True when nothing generation reads or writes changed since the stamp was recorded."""
    try:
        recorded = (root / STAMP).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == digest(root)


def record(root: Path) -> None:
    """Remember the state after a full run; a stamp that cannot be written only costs the next run time."""
    value = digest(root)
    if value is None:
        return
    try:
        replace_file(root / STAMP, value + "\n")
    except OSError:
        pass


def forget(root: Path) -> None:
    (root / STAMP).unlink(missing_ok=True)
