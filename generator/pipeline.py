"""The whole generation run: load, validate, build and render every vendor, then write or compare.

Rendering happens for every vendor before anything is written, so a failure leaves generated/ as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from generator.build import build
from generator.diff.changelog import render_changelog
from generator.errors import Exit, Finding, SpecInvalid, VoxspecError
from generator.load import load
from generator.openapi import operations
from generator.pointer import pointer_join
from generator.render import FormatFailed, package_environment, render, runtime_sources
from generator.validate import check
from generator.write import Step, recover, stale, swap_folders

# A vendor renders in (seconds, files) or fails with (error class, message, findings): errors travel back from
# a worker process as values because pickling a VoxspecError would drop its findings.
Rendered = tuple[float, dict[str, bytes]]
Failed = tuple[type[VoxspecError], str, tuple[Finding, ...]]


def render_vendor(root: Path, path: Path) -> Rendered | Failed:
    started = time.perf_counter()
    try:
        doc = load(path, root)
        findings = check(doc)
        if findings:
            raise SpecInvalid(f"{doc.display}: {len(findings)} finding(s); nothing was generated", tuple(findings))
        api = build(doc, path.parent.name)
        # render formats the package with ruff here, in the vendor's worker: the pass runs beside the other
        # vendors' work instead of after all of it, on the one core the parent would keep busy while the other idles.
        files = render(api, package_environment())
        files["CHANGELOG.md"] = render_changelog(root, api.vendor, doc, api.header).encode("utf-8")
    except FormatFailed as failure:
        located = _located(root, path, failure)
        return (type(located), str(located), located.findings)
    except VoxspecError as exc:
        return (type(exc), str(exc), exc.findings)
    return (time.perf_counter() - started, files)


def _workers(jobs: int) -> int:
    """Vendors are independent and CPU-bound: one process per core, none when there is one vendor or core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = int(os.environ.get("VOXSPEC_JOBS", "0") or 0) or cores
    return max(1, min(jobs, limit))


def render_all(root: Path, spec_paths: list[Path]) -> dict[str, dict[str, bytes]]:
    """Every vendor's files, in spec order; the first failing vendor (in that order) raises its error."""
    workers = _workers(len(spec_paths))
    if workers == 1:
        outcomes = [render_vendor(root, path) for path in spec_paths]
    else:
        # fork shares the already imported pipeline, the compiled templates and the runtime sources with the
        # workers; the largest specs start first so the cores finish together.
        package_environment()
        runtime_sources()
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
        order = sorted(spec_paths, key=lambda p: -p.stat().st_size if p.is_file() else 0)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[Path, Future[Rendered | Failed]] = {p: pool.submit(render_vendor, root, p) for p in order}
            outcomes = [futures[path].result() for path in spec_paths]
    rendered: dict[str, dict[str, bytes]] = {}
    for path, outcome in zip(spec_paths, outcomes, strict=True):
        if isinstance(outcome[0], type):
            error_class, message, findings = outcome
            raise error_class(message, findings)
        seconds, files = outcome
        vendor = path.parent.name
        rendered[vendor] = files
        print(f"voxspec: rendered {vendor} ({len(files)} files, {seconds:.2f}s)", file=sys.stderr)
    return rendered


def _located(root: Path, path: Path, failure: FormatFailed) -> VoxspecError:
    """A formatting failure of the package rendered from the spec at path, as a finding at the spec node the broken
    text came from: the operation whose method or handler it is, the schema whose model it is, else the spec's info
    (titles make the module docstrings)."""
    if failure.file is None:
        return failure
    vendor, name = path.parent.name, failure.file
    doc = load(path, root)
    definition = failure.definition or ""
    pointer = "/info"
    for op in operations(doc.data):
        if op.node.get("operationId") in (definition, definition.removeprefix("iter_")):
            pointer = op.pointer
            break
    else:
        if definition in ((doc.data.get("components") or {}).get("schemas") or {}):
            pointer = pointer_join("/components/schemas", definition)
    message = f"vendor {vendor}: generated/{vendor}/{name}:{failure.line}: {str(failure).split(': ', 1)[1]}"
    finding = doc.finding(pointer, f"{message}; the text comes from this node", "render")
    return VoxspecError(
        f"{doc.display}: generated/{vendor}/{name} could not be formatted; nothing was written", (finding,)
    )


def generate_all(root: Path, spec_paths: list[Path], check: bool = False, on_step: Step | None = None) -> int:
    """Render every spec, then compare (check) or swap every changed vendor folder in as one step."""
    out_root = root / "generated"
    recover(out_root)
    rendered = render_all(root, spec_paths)
    problems = []
    for vendor, files in rendered.items():
        problems += stale(out_root / vendor, files, f"generated/{vendor}")
    if check:
        for problem in problems:
            print(problem)
        print(f"voxspec generate --check: {len(problems)} stale file(s)", file=sys.stderr)
        return Exit.FINDINGS if problems else Exit.OK
    changed = sorted({p.path.split("/")[1] for p in problems})
    if changed:
        swap_folders(out_root, {vendor: rendered[vendor] for vendor in changed}, on_step)
    print(f"voxspec generate: {len(rendered)} vendor(s), {len(problems)} file(s) updated", file=sys.stderr)
    return Exit.OK
