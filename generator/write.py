"""Compare rendered files with generated/ and replace whole vendor folders atomically.

Nothing is written until every vendor rendered; each folder is swapped in with renames, never edited in place.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

IGNORED_PARTS = {"__pycache__", "build", ".mypy_cache", ".ruff_cache"}
# Test hook, off unless set: the process SIGKILLs itself at the named step of replace_folder ("writing",
# "written", "old-moved", "new-moved"), so tests/bad_specs/test_interrupted_generate.py can prove recovery.
KILL_AT = "VOXSPEC_TEST_KILL_AT"


def _step(name: str) -> None:
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Stale:
    path: str  # relative to the repository
    reason: str  # "changed" | "missing" | "extra"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def replace_file(path: Path, text: str) -> None:
    """Write a small file whole: a sibling written first, then renamed over it, so no reader sees half of it.
    Raises OSError; the callers decide whether that matters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, "utf-8")
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


def recover(root: Path) -> None:
    """Finish or undo a swap that a killed run left half done."""
    if not root.is_dir():
        return
    for backup in root.glob(".*.voxspec-old"):
        target = root / backup.name[1 : -len(".voxspec-old")]
        if target.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.rename(target)
    for tmp in root.glob(".voxspec-new-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def replace_folder(root: Path, name: str, files: dict[str, bytes]) -> None:
    """Write files into a fresh folder beside root/name, then swap it in with two renames."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".voxspec-new-", dir=root))
    try:
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            _step("writing")
        os.chmod(tmp, 0o755)
        _step("written")
        final = root / name
        backup = root / f".{name}.voxspec-old"
        if final.exists():
            final.rename(backup)
        _step("old-moved")
        tmp.rename(final)
        _step("new-moved")
        shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        recover(root)
        raise
