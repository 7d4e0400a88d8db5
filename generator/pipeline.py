"""The whole generation run: load, validate, build and render every vendor, then write or compare.

Rendering happens for every vendor before anything is written, so a failure leaves generated/ as it was.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from generator.build import build
from generator.errors import Exit, SpecInvalid
from generator.lint import lint
from generator.load import load
from generator.openapi import DocumentIndex
from generator.render import environment, render
from generator.validate import validate
from generator.write import recover, replace_folder, stale


def generate_all(root: Path, spec_paths: list[Path], check: bool = False) -> int:
    out_root = root / "generated"
    recover(out_root)
    env = environment()
    rendered: dict[str, dict[str, bytes]] = {}
    for path in spec_paths:
        started = time.perf_counter()
        doc = load(path, root)
        index = DocumentIndex(doc)
        findings = sorted(set(validate(doc, index)) | set(lint(doc, index)))
        if findings:
            raise SpecInvalid(f"{doc.display}: {len(findings)} finding(s); nothing was generated", tuple(findings))
        vendor = path.parent.name
        rendered[vendor] = render(build(doc, vendor), env)
        print(
            f"voxspec: rendered {vendor} ({len(rendered[vendor])} files, {time.perf_counter() - started:.2f}s)",
            file=sys.stderr,
        )
    problems = []
    for vendor, files in rendered.items():
        problems += stale(out_root / vendor, files, f"generated/{vendor}")
    if check:
        for problem in problems:
            print(problem)
        print(f"voxspec generate --check: {len(problems)} stale file(s)", file=sys.stderr)
        return Exit.FINDINGS if problems else Exit.OK
    changed = sorted({p.path.split("/")[1] for p in problems})
    for vendor in changed:
        replace_folder(out_root, vendor, rendered[vendor])
    print(f"voxspec generate: {len(rendered)} vendor(s), {len(problems)} file(s) updated", file=sys.stderr)
    return Exit.OK
