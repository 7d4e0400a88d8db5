"""The `voxspec` command: validate, lint, generate, check and mock, with findings as file:line lines.

Exit status: 0 clean, 1 findings or stale output, 2 unusable input, 3 internal error. Never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Exit, Finding, VoxspecError

log = logging.getLogger("voxspec")

EPILOG = """examples:
  voxspec validate                      validate and lint every spec under specs/
  voxspec validate specs/voipcloud/openapi.yaml
  voxspec lint telphin --rule operation-id
  voxspec generate                      regenerate generated/ for every vendor
  voxspec generate --check              exit 1 listing stale files, write nothing
  voxspec check                         validate + lint + generated/ up to date
  voxspec mock voipcloud --port 4010    serve the VoIPcloud mock on 127.0.0.1:4010
  voxspec mock netsapiens --workers 2 --state sqlite:ns.db   two workers sharing one state
  voxspec docs --out site               render the static HTML reference of every vendor
"""


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    def vendors(self) -> list[str]:
        return sorted(p.parent.name for p in self.specs.glob("*/openapi.yaml"))

    def spec_paths(self, targets: Sequence[str]) -> list[Path]:
        """Spec files for vendor names or paths; every vendor when targets is empty."""
        if not targets:
            return [self.specs / v / "openapi.yaml" for v in self.vendors()]
        out = []
        for target in targets:
            path = Path(target)
            out.append(
                path
                if path.suffix in (".yaml", ".yml", ".json") or path.exists()
                else self.specs / target / "openapi.yaml"
            )
        return out


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        print(finding)


def cmd_validate(args: argparse.Namespace, project: Project, lint_only: bool = False) -> int:
    from generator.lint import RULES, lint
    from generator.load import load
    from generator.openapi import DocumentIndex
    from generator.validate import validate

    only = set(args.rule) if getattr(args, "rule", None) else None
    unknown = sorted((only or set()) - RULES.keys())
    if unknown:
        print(f"voxspec: unknown rule(s) {', '.join(unknown)}; known: {', '.join(sorted(RULES))}", file=sys.stderr)
        return Exit.UNUSABLE
    status: int = Exit.OK
    paths = project.spec_paths(args.specs)
    if not paths:
        print("voxspec: no specs found under specs/*/openapi.yaml", file=sys.stderr)
        return Exit.UNUSABLE
    total = 0
    for path in paths:
        try:
            doc = load(path, project.root)
        except VoxspecError as exc:
            _print_findings(exc.findings)
            status = max(status, exc.exit_code)
            total += len(exc.findings)
            continue
        index = DocumentIndex(doc)
        findings = lint(doc, index, only)
        if not lint_only:
            findings = sorted(set(findings) | set(validate(doc, index)))
        _print_findings(findings)
        total += len(findings)
        if findings:
            status = max(status, Exit.FINDINGS)
    word = "lint" if lint_only else "validate"
    print(f"voxspec {word}: {len(paths)} spec(s), {total} finding(s)", file=sys.stderr)
    return status


def cmd_generate(args: argparse.Namespace, project: Project) -> int:
    from generator.pipeline import generate_all

    return generate_all(project.root, project.spec_paths(args.vendors), check=args.check)


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    args.specs, args.rule = [], None
    status = cmd_validate(args, project)
    if status != Exit.OK:
        return status
    args.vendors, args.check = [], True
    return cmd_generate(args, project)


def cmd_mock(args: argparse.Namespace, project: Project) -> int:
    from generator.serve import MockOptions, serve

    options = MockOptions(
        state=args.state,
        rate_limit=args.rate_limit,
        latency_ms=args.latency,
        error_rate=args.error_rate,
        webhook_url=args.webhook_url,
        allow=tuple(args.allow or ()),
    )
    return serve(project.root, args.vendor, host=args.host, port=args.port, workers=args.workers, options=options)


def cmd_docs(args: argparse.Namespace, project: Project) -> int:
    from generator.docs import publish

    out = args.out if args.out is not None else project.root / "site"
    return publish(project.root, project.spec_paths(args.vendors), out)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="voxspec",
        description="OpenAPI-first toolkit for telephony vendor APIs: one curated spec per vendor in specs/, "
        "and everything else (models, clients, mock servers, docs) generated from it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    top.add_argument("--root", type=Path, default=Path.cwd(), help="project root holding specs/ (default: .)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = command(
        "validate",
        "Check specs with openapi-spec-validator and every voxspec lint rule; "
        "print each finding as file:line:col pointer: message [rule].",
        "voxspec validate specs/voipcloud/openapi.yaml",
    )
    p.add_argument("specs", nargs="*", help="spec files or vendor names (default: every spec)")
    p.set_defaults(func=cmd_validate)

    p = command("lint", "Run voxspec's own rules only (see --rule).", "voxspec lint telphin --rule operation-id")
    p.add_argument("specs", nargs="*", help="spec files or vendor names (default: every spec)")
    p.add_argument("--rule", action="append", help="run only this rule id (repeatable)")
    p.set_defaults(func=lambda a, pr: cmd_validate(a, pr, lint_only=True))

    p = command(
        "generate",
        "Render generated/<vendor>/ (models, client, server, mock) from each spec. "
        "Nothing is written unless every vendor renders.",
        "voxspec generate voipcloud",
    )
    p.add_argument("vendors", nargs="*", help="vendor names (default: every vendor)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 listing stale files")
    p.set_defaults(func=cmd_generate)

    p = command("check", "validate + lint + generated/ up to date: the pre-commit gate.", "voxspec check")
    p.set_defaults(func=cmd_check)

    p = command(
        "mock",
        "Serve a vendor's generated mock server with uvicorn: stateful CRUD seeded from the spec's examples, "
        "auth, vendor-shaped errors and the behaviours the spec declares. Keys: VOXSPEC_MOCK_KEYS.",
        "voxspec mock netsapiens --port 4010 --workers 2 --state sqlite:/tmp/ns.db --rate-limit",
    )
    p.add_argument("vendor")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4010)
    p.add_argument("--workers", type=int, default=1, help="server processes (share state with --state sqlite:PATH)")
    p.add_argument("--state", default="memory", help="memory (default) or sqlite:PATH, kept across restarts")
    p.add_argument("--rate-limit", action="store_true", help="enforce the spec's x-voxspec-rate-limit (429s)")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="add this delay to every answer")
    p.add_argument(
        "--error-rate", type=float, default=0.0, metavar="P", help="answer this fraction of calls with a 5xx"
    )
    p.add_argument("--webhook-url", default=None, help="where to POST the webhooks operations emit")
    p.add_argument(
        "--allow", action="append", metavar="CIDR", help="enforce the spec's x-voxspec-allow-list (repeatable)"
    )
    p.set_defaults(func=cmd_mock)

    p = command(
        "docs",
        "Render the static HTML reference (index page, one page per vendor, each spec for download) "
        "from every spec; works offline from file://. Nothing is written unless every spec validates.",
        "voxspec docs --out site && xdg-open site/index.html",
    )
    p.add_argument("vendors", nargs="*", help="vendor names (default: every vendor)")
    p.add_argument("--out", type=Path, default=None, help="output folder, replaced as a whole (default: site/)")
    p.set_defaults(func=cmd_docs)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    project = Project(args.root.resolve())
    started = time.perf_counter()
    try:
        status = int(args.func(args, project))
    except VoxspecError as exc:
        _print_findings(exc.findings)
        print(f"voxspec: {exc}", file=sys.stderr)
        status = exc.exit_code
    except KeyboardInterrupt:
        print("voxspec: interrupted", file=sys.stderr)
        status = 130
    except Exception as exc:  # the one place an unexpected error is caught: report it, no traceback
        log.debug("internal error", exc_info=True)
        print(f"voxspec: internal error: {type(exc).__name__}: {exc} (run with -vv for details)", file=sys.stderr)
        status = Exit.INTERNAL
    log.info("done in %.2fs", time.perf_counter() - started)
    return status


if __name__ == "__main__":
    sys.exit(main())
