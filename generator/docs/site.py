"""The docs site: render every vendor page, write the folder atomically, publish."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import Environment

from generator.build import build
from generator.docs.pages import vendor_view
from generator.docs.views import VendorView
from generator.errors import Exit, Finding, SpecError, SpecInvalid, VoxspecError
from generator.ir import Api
from generator.load import load, valid_vendor
from generator.render import environment as render_environment
from generator.render import format_python
from generator.validate import check
from generator.write import recover, replace_folder

# A file every site carries, so `publish` only ever replaces a folder it wrote itself.
MARKER = ".voxspec-site"


class OutputRefused(VoxspecError):
    """The output folder holds something that is not a voxspec site; it is left alone."""

    exit_code = Exit.UNUSABLE


def environment() -> Environment:
    """The voxspec template environment with autoescape on, for the HTML templates under docs/."""
    return render_environment(autoescape=True)


def render_site(
    apis: Sequence[Api], raw_specs: Mapping[str, bytes], env: Environment | None = None
) -> dict[str, bytes]:
    """Every file of the site, keyed by path relative to its folder; the same input gives the same bytes.

    raw_specs maps each vendor to the bytes of its openapi.yaml, copied beside its page for download.
    """
    env = env or environment()
    for api in apis:
        # Every link and file name of the site is built from the vendor name; build() only makes an Api for a
        # valid one, and this keeps an Api made any other way from putting a `javascript:` URL into the index.
        if not valid_vendor(api.vendor):
            raise VoxspecError(f"{api.source}: vendor name {api.vendor!r} is not a lower-case identifier")
    views = _format_snippets([vendor_view(api) for api in sorted(apis, key=lambda a: a.vendor)])
    files: dict[str, bytes] = {MARKER: b"Written by `voxspec docs`; the whole folder is replaced on each run.\n"}
    files["index.html"] = env.get_template("docs/index.html.j2").render(vendors=views).encode("utf-8")
    page = env.get_template("docs/vendor.html.j2")
    for api, view in zip(sorted(apis, key=lambda a: a.vendor), views, strict=True):
        raw = raw_specs.get(api.vendor)
        if raw is None or hashlib.sha256(raw).hexdigest() != api.spec_hash:
            raise VoxspecError(
                f"{api.source}: the bytes given for download do not match the spec the IR was built from"
            )
        files[f"{api.vendor}/index.html"] = page.render(v=view).encode("utf-8")
        files[f"{api.vendor}/openapi.yaml"] = raw
    return dict(sorted(files.items()))


def _format_snippets(views: list[VendorView]) -> list[VendorView]:
    """The Python examples formatted by ruff, in one process for the whole site."""
    texts = {f"{v.vendor}/{op.op_id}.py": op.python for v in views for t in v.tags for op in t.operations}
    formatted = format_python(texts)
    return [
        dataclasses.replace(
            v,
            tags=tuple(
                dataclasses.replace(
                    t,
                    operations=tuple(
                        dataclasses.replace(op, python=formatted[f"{v.vendor}/{op.op_id}.py"].rstrip("\n"))
                        for op in t.operations
                    ),
                )
                for t in v.tags
            ),
        )
        for v in views
    ]


def write_site(out: Path, files: Mapping[str, bytes]) -> None:
    """Swap the site into out atomically; refuse a non-empty folder that is not a voxspec site."""
    out = out.resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise OutputRefused(f"{out} exists and is not a voxspec site (no {MARKER}); remove it or choose another --out")
    recover(out.parent)
    replace_folder(out.parent, out.name, dict(files))


def load_apis(root: Path, spec_paths: Sequence[Path]) -> tuple[list[Api], dict[str, bytes]]:
    """Load, validate, lint and build every spec; all findings of all specs are raised together."""
    apis: list[Api] = []
    raw: dict[str, bytes] = {}
    findings: list[Finding] = []
    unusable = False
    for path in spec_paths:
        started = time.perf_counter()
        try:
            doc = load(path, root)
        except SpecError as exc:
            findings += exc.findings
            unusable = True
            continue
        problems = check(doc)
        if problems:
            findings += problems
            continue
        vendor = path.parent.name
        raw[vendor] = path.read_bytes()
        if hashlib.sha256(raw[vendor]).hexdigest() != doc.sha256:
            finding = Finding(doc.display, 0, 0, "", "the file changed while it was read; run again", "io")
            raise SpecError(f"{doc.display}: changed while building docs", (finding,))
        apis.append(build(doc, vendor))
        print(
            f"voxspec: loaded {vendor} ({len(apis[-1].operations)} operations, {time.perf_counter() - started:.2f}s)",
            file=sys.stderr,
        )
    if findings:
        error = SpecError if unusable else SpecInvalid
        raise error(f"{len(findings)} finding(s) in the specs; no docs were written", tuple(findings))
    return apis, raw


def publish(root: Path, spec_paths: Sequence[Path], out: Path) -> int:
    """`voxspec docs`: every spec to a static site in out, written only when every vendor rendered."""
    if not spec_paths:
        print("voxspec: no specs found under specs/*/openapi.yaml", file=sys.stderr)
        return Exit.UNUSABLE
    apis, raw = load_apis(root, spec_paths)
    started = time.perf_counter()
    files = render_site(apis, raw)
    elapsed = time.perf_counter() - started
    write_site(out, files)
    print(
        f"voxspec docs: {len(apis)} vendor(s), {len(files)} files rendered in {elapsed:.2f}s, written to {out}",
        file=sys.stderr,
    )
    return Exit.OK
