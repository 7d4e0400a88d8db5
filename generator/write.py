"""Compare rendered files with generated/ and swap changed vendor folders in, all of them or none.

Nothing is written until every vendor rendered; the folders are staged beside their targets, a journal then
commits the swap, and a run that dies part-way is completed (journal present) or undone (absent) by recover().
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

IGNORED_PARTS = {"__pycache__", "build", ".mypy_cache", ".ruff_cache"}
JOURNAL = ".voxspec-journal.json"
STAGED, BACKUP = ".voxspec-new", ".voxspec-old"
# Called after each step of a swap with the step's name and the folder it concerns (blank for the whole swap):
# "writing" (after each staged file), "written", "journal", "old-moved", "new-moved", "committed", "cleaned".
# Nothing in voxspec passes one; tests pass one that kills the process, to prove that recover() repairs any state.
Step = Callable[[str, str], None]


def _no_step(step: str, folder: str) -> None:
    """The default: a swap reports its steps to nobody."""


@dataclass(frozen=True)
class Stale:
    path: str  # relative to the repository
    reason: str  # "changed" | "missing" | "extra"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def replace_file(path: Path, text: str, durable: bool = False) -> None:
    """Write a small file whole: a sibling written first, then renamed over it, so no reader sees half of it;
    `durable` flushes it to disk before the rename. Raises OSError; the callers decide whether that matters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(text)
        if durable:
            out.flush()
            os.fsync(out.fileno())
    os.replace(partial, path)


def existing_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (
            path.is_file()
            and not (set(rel.parts) & IGNORED_PARTS)
            and not any(p.endswith(".egg-info") for p in rel.parts)
        ):
            out[rel.as_posix()] = path.read_bytes()
    return out


def stale(folder: Path, files: dict[str, bytes], display: str) -> list[Stale]:
    current = existing_files(folder)
    out = [Stale(f"{display}/{name}", "missing") for name in files if name not in current]
    out += [Stale(f"{display}/{name}", "changed") for name in files if name in current and current[name] != files[name]]
    out += [Stale(f"{display}/{name}", "extra") for name in current if name not in files]
    return sorted(out, key=lambda s: s.path)


def _staged(root: Path, name: str) -> Path:
    return root / f".{name}{STAGED}"


def _backup(root: Path, name: str) -> Path:
    return root / f".{name}{BACKUP}"


def _roll_forward(root: Path, names: list[str], step: Step) -> None:
    """Move every staged folder of a committed swap into place, then drop the journal and the old folders.
    Each move is skipped when a killed run already made it, so this may run any number of times."""
    for name in names:
        staged, final, backup = _staged(root, name), root / name, _backup(root, name)
        if staged.is_dir():
            if final.exists():
                shutil.rmtree(backup, ignore_errors=True)
                final.rename(backup)
            step("old-moved", name)
            staged.rename(final)
            step("new-moved", name)
    (root / JOURNAL).unlink(missing_ok=True)
    step("committed", "")
    for name in names:
        shutil.rmtree(_backup(root, name), ignore_errors=True)
    step("cleaned", "")


def _journal_names(journal: Path) -> list[str] | None:
    try:
        names = json.loads(journal.read_text("utf-8"))["folders"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return names if isinstance(names, list) and all(isinstance(n, str) and "/" not in n for n in names) else None


def recover(root: Path) -> list[str]:
    """Complete a swap whose journal was written, undo one whose journal was not; the names it repaired."""
    if not root.is_dir():
        return []
    journal = root / JOURNAL
    names = _journal_names(journal) if journal.exists() else None
    if names is not None:
        _roll_forward(root, names, _no_step)
        return names
    # No (usable) journal: the swap never committed, so whatever was staged is dropped. The journal is written
    # whole (replace_file), so an unreadable one can only come from outside; the old folders are then kept.
    journal.unlink(missing_ok=True)
    journal.with_name(journal.name + ".partial").unlink(missing_ok=True)
    repaired = []
    for staged in sorted(root.glob(f".*{STAGED}")) + sorted(root.glob(".voxspec-new-*")):
        shutil.rmtree(staged, ignore_errors=True)
        repaired.append(staged.name)
    for backup in sorted(root.glob(f".*{BACKUP}")):
        target = root / backup.name[1 : -len(BACKUP)]
        if target.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.rename(target)
        repaired.append(target.name)
    return repaired


def swap_folders(root: Path, folders: dict[str, dict[str, bytes]], on_step: Step | None = None) -> None:
    """Replace each root/<name> by a folder holding exactly its files, as one step: after a crash at any point,
    recover() leaves every one of them old or every one of them new."""
    step = on_step or _no_step
    root.mkdir(parents=True, exist_ok=True)
    recover(root)
    names = sorted(folders)
    try:
        for name in names:
            staged = _staged(root, name)
            staged.mkdir()
            os.chmod(staged, 0o755)
            for rel, data in folders[name].items():
                target = staged / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                step("writing", name)
            step("written", name)
    except BaseException:
        for name in names:
            shutil.rmtree(_staged(root, name), ignore_errors=True)
        raise
    # The commit point: once the journal names the staged folders, every later run moves them in.
    replace_file(root / JOURNAL, json.dumps({"folders": names}) + "\n", durable=True)
    step("journal", "")
    _roll_forward(root, names, step)


def replace_folder(root: Path, name: str, files: dict[str, bytes], on_step: Step | None = None) -> None:
    """Replace one folder of root atomically (see swap_folders)."""
    swap_folders(root, {name: files}, on_step)
