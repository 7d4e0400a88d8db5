"""Turn a diff argument into a loaded Document: a spec file, a vendor name, or `vendor@REV` from git.

A revision is read with `git show REV:specs/<vendor>/openapi.yaml` into memory; nothing is checked out.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from generator.errors import SpecError
from generator.load import Document, load, parse


def _unusable(display: str, message: str) -> SpecError:
    # No Finding: the CLI then prints the one message line, which says all there is (no line to point at).
    return SpecError(f"{display}: {message}")


def spec_at(root: Path, vendor: str, rev: str) -> Document:
    """The vendor's spec as committed at rev, or a SpecError saying why it cannot be read."""
    relative = f"specs/{vendor}/openapi.yaml"
    display = f"{vendor}@{rev}"
    if not rev or rev.startswith("-"):
        raise _unusable(display, f"{rev!r} is not a git revision")
    try:
        shown = subprocess.run(
            ["git", "show", f"{rev}:{relative}"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise _unusable(display, f"cannot run git: {exc.strerror}") from None
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1] if reason else f"git show exited {shown.returncode}"
        raise _unusable(display, f"cannot read {relative} at {rev}: {detail.removeprefix('fatal: ')}")
    try:
        text = shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise _unusable(display, f"{relative} at {rev} is not UTF-8") from None
    return parse(text, display, root / relative)


def _one_line_json(path: Path, root: Path) -> Document | None:
    """A minified JSON document read with the json module, or None to read it as YAML with positions.

    Published OpenAPI documents often come minified: every node is on line 1, so positions add nothing, and
    the json module reads them about ten times faster than the YAML path.
    """
    if path.suffix != ".json":
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # load() reports it
    if text.count("\n") > 1:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return Document(path, display, data, {}, hashlib.sha256(text.encode("utf-8")).hexdigest())


def resolve(root: Path, argument: str) -> Document:
    """A document for OLD or NEW: an existing file, `vendor@REV`, or a vendor name (its working-tree spec)."""
    path = Path(argument)
    if not path.is_absolute() and not path.exists():
        path = root / argument if (root / argument).exists() else path
    if path.is_file():
        return _one_line_json(path, root) or load(path, root)
    if "@" in argument and "/" not in argument.split("@", 1)[0]:
        vendor, rev = argument.split("@", 1)
        return spec_at(root, vendor, rev)
    vendor_spec = root / "specs" / argument / "openapi.yaml"
    if argument and "/" not in argument and vendor_spec.is_file():
        return load(vendor_spec, root)
    if path.is_dir():
        raise _unusable(argument, "is a folder; give a spec file, a vendor name or vendor@REV")
    raise _unusable(argument, "no such file, vendor or vendor@REV")
