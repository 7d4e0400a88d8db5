"""The `voxspec` command: validate, lint, generate, check and mock, with findings as file:line lines.

Exit status: 0 clean, 1 findings or stale output, 2 unusable input, 3 internal error. Never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
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
  voxspec recover                       finish or undo a generate that was killed mid-swap
  voxspec mock voipcloud --port 4010    serve the VoIPcloud mock on 127.0.0.1:4010
  voxspec mock netsapiens --workers 2 --state sqlite:ns.db   two workers sharing one state
  voxspec docs --out site               render the static HTML reference of every vendor
  voxspec contract voipcloud            contract-test the VoIPcloud mock, read-only
  voxspec diff telphin@HEAD~3 telphin   every change to the Telphin spec since three commits ago, classified
  voxspec contract voipcloud --base-url https://eu.voipcloud.online --junit-xml contract.xml
  voxspec proxy voipcloud --target https://eu.voipcloud.online --report drift.txt   check live traffic
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


NO_SPECS = "voxspec: no specs found under specs/*/openapi.yaml"


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        print(finding)


def cmd_validate(args: argparse.Namespace, project: Project, lint_only: bool = False) -> int:
    from generator.lint import RULES
    from generator.load import load
    from generator.validate import check

    only = set(args.rule) if getattr(args, "rule", None) else None
    unknown = sorted((only or set()) - RULES.keys())
    if unknown:
        print(f"voxspec: unknown rule(s) {', '.join(unknown)}; known: {', '.join(sorted(RULES))}", file=sys.stderr)
        return Exit.UNUSABLE
    status: int = Exit.OK
    paths = project.spec_paths(args.specs)
    if not paths:
        print(NO_SPECS, file=sys.stderr)
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
        findings = check(doc, only, structural=not lint_only)
        _print_findings(findings)
        total += len(findings)
        if findings:
            status = max(status, Exit.FINDINGS)
    word = "lint" if lint_only else "validate"
    print(f"voxspec {word}: {len(paths)} spec(s), {total} finding(s)", file=sys.stderr)
    return status


def cmd_generate(args: argparse.Namespace, project: Project) -> int:
    from generator import stamp

    paths = project.spec_paths(args.vendors)
    if not paths:
        # Checked before anything is read or written: no stamp, no .voxspec/, no generated/.
        print(NO_SPECS, file=sys.stderr)
        return Exit.UNUSABLE
    # A plain `generate` of every vendor is skipped when the content hash of its inputs and outputs is the one
    # recorded after the last full run; --check and --force always render.
    whole = not args.vendors and not args.check
    if whole and not getattr(args, "force", False) and stamp.up_to_date(project.root):
        print(
            "voxspec generate: nothing changed since the last run (content hash); --force renders anyway",
            file=sys.stderr,
        )
        return Exit.OK
    from generator.pipeline import generate_all

    status = generate_all(project.root, paths, check=args.check)
    if whole and status == Exit.OK:
        stamp.record(project.root)
    return status


def cmd_recover(args: argparse.Namespace, project: Project) -> int:
    from generator.write import recover

    repaired = recover(project.generated)
    word = f"completed or undone the interrupted swap of {', '.join(repaired)}" if repaired else "nothing to recover"
    print(f"voxspec recover: {word}", file=sys.stderr)
    return Exit.OK


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    args.specs, args.rule = [], None
    status = cmd_validate(args, project)
    if status != Exit.OK:
        return status
    from generator.diff.versions import check_versions

    bumps = check_versions(project.root, project.vendors(), getattr(args, "since", None))
    _print_findings(bumps)
    args.vendors, args.check = [], True
    return max(cmd_generate(args, project), Exit.FINDINGS if bumps else Exit.OK)


def cmd_mock(args: argparse.Namespace, project: Project) -> int:
    from generator.serve import MockOptions, serve

    options = MockOptions(
        state=args.state,
        rate_limit=args.rate_limit,
        latency_ms=args.latency,
        error_rate=args.error_rate,
        webhook_url=args.webhook_url,
        subscriptions=args.deliver_subscriptions,
        allow=tuple(args.allow or ()),
        trusted_proxies=tuple(args.trusted_proxy or ()),
        max_body=args.max_body,
        max_url=args.max_url,
        header_timeout=args.header_timeout,
        token_ttl=args.token_ttl,
        control=args.control,
        control_token=args.control_token or os.environ.get("VOXSPEC_MOCK_CONTROL_TOKEN") or None,
    )
    if args.replay is not None:
        from generator.proxy.replay import serve_replay

        return serve_replay(project.root, args.vendor, args.replay, args.host, args.port, options.environment())
    return serve(project.root, args.vendor, host=args.host, port=args.port, workers=args.workers, options=options)


def cmd_docs(args: argparse.Namespace, project: Project) -> int:
    from generator.docs import publish

    out = args.out if args.out is not None else project.root / "site"
    return publish(project.root, project.spec_paths(args.vendors), out)


def cmd_contract(args: argparse.Namespace, project: Project) -> int:
    from generator.contract import ContractOptions, contract, parse_ids
    from generator.contract.plan import parse_rate_limit

    spec = project.spec_paths([args.vendor])[0]
    vendor = spec.parent.name if spec.name in ("openapi.yaml", "openapi.yml", "openapi.json") else spec.stem
    options = ContractOptions(
        vendor=vendor,
        spec=spec,
        base_url=args.base_url,
        allow_writes=parse_ids(args.allow_writes),
        allow_deletes=args.allow_deletes,
        only=parse_ids(args.only),
        max_requests=args.max_requests,
        rate_limit=parse_rate_limit(args.rate_limit) if args.rate_limit else None,
        max_wait=args.max_wait,
        timeout=args.timeout,
        credentials_file=args.credentials_file,
        junit_xml=args.junit_xml,
        json_report=args.json_report,
        seed=args.seed,
        dry_run=args.dry_run,
        rate_memory=_rate_memory(args, project.root, vendor),
        verbose=args.verbose > 0,
    )
    return contract(project.root, options)


def cmd_proxy(args: argparse.Namespace, project: Project) -> int:
    from generator.proxy.app import ProxyOptions
    from generator.proxy.run import ProxyRun, proxy

    spec = project.spec_paths([args.vendor])[0]
    vendor = spec.parent.name if spec.name in ("openapi.yaml", "openapi.yml", "openapi.json") else spec.stem
    options = ProxyOptions(
        target=args.target,
        max_body=args.max_body,
        record=args.record,
        hold_rate_limit=args.hold_rate_limit,
        timeout=args.timeout,
    )
    run = ProxyRun(
        vendor=vendor,
        spec=spec,
        options=options,
        host=args.host,
        port=args.port,
        report=args.report,
        json_report=args.json_report,
        junit_xml=args.junit_xml,
        fail_on_violation=args.fail_on_violation,
    )
    return proxy(project.root, run)


PROXY_EPILOG = """example: put the proxy between an application and VoIPcloud, then read what drifted
  voxspec proxy voipcloud --target https://eu.voipcloud.online --port 4011 \\
      --report drift.txt --junit-xml drift.xml --record cassettes/
  # point the application at http://127.0.0.1:4011 instead of https://eu.voipcloud.online
  curl -s 'http://127.0.0.1:4011/__voxspec/proxy/report?format=text'   the report so far (loopback only)
  # Ctrl-C (or SIGTERM): the report is printed and written; then
  voxspec mock voipcloud --replay cassettes/   answers with the vendor's recorded bodies

exit status: 0 stopped cleanly, 1 with --fail-on-violation when anything drifted, 2 invalid spec or options.
"""


def cmd_diff(args: argparse.Namespace, project: Project) -> int:
    from generator.diff.command import run

    return run(project.root, args)


def _rate_memory(args: argparse.Namespace, root: Path, vendor: str) -> Path | None:
    """--rate-memory, else for a live server the default file; "none" (or no --base-url) keeps nothing."""
    from generator.contract import default_rate_memory

    if args.rate_memory is not None:
        return None if str(args.rate_memory) == "none" else args.rate_memory
    return default_rate_memory(root, vendor, args.base_url) if args.base_url else None


CONTRACT_EPILOG = """examples:
  voxspec contract voipcloud                      start the VoIPcloud mock and check it, read-only
  VOXSPEC_VOIPCLOUD_TOKEN=... voxspec contract voipcloud --base-url https://eu.voipcloud.online \\
      --max-requests 20 --junit-xml contract.xml --json-report contract.json
  voxspec contract callcenter --base-url https://acme.contaqt.com --allow-writes create_phone_list
  voxspec contract voipcloud --base-url https://eu.voipcloud.online --dry-run   print the plan, send nothing

credentials: one environment variable per security scheme of the spec, VOXSPEC_<VENDOR>_<SCHEME>
(e.g. VOXSPEC_VOIPCLOUD_TOKEN; basic auth as username:password), or --credentials-file, a TOML file
of scheme = "value" lines; never on the command line. Every report redacts them. An OAuth2 scheme may get
its grant instead (VOXSPEC_<VENDOR>_<SCHEME>_CLIENT_ID, _CLIENT_SECRET, and _USERNAME, _PASSWORD for a
password grant): the run signs in once, inside the request budget.
exit status: 0 every check passed, 1 a check failed or a request errored, 2 unusable input, 3 internal error.
"""


class _RulesHelp(argparse.Action):
    """`lint --help`: the usual help plus every rule id with its one line, read from generator.lint only when
    asked, so the other commands do not pay for importing the rules."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from generator.lint import RULES

        width = max(len(rule_id) for rule_id in RULES)
        lines = [f"  {rule_id:<{width}}  {RULES[rule_id].summary}" for rule_id in sorted(RULES)]
        parser.epilog = "rules (--rule ID; validate runs them all):\n" + "\n".join(lines) + f"\n\n{parser.epilog}"
        parser.print_help()
        parser.exit()


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

    p = sub.add_parser(
        "lint",
        help="Run voxspec's own rules only (see --rule).",
        description="Run voxspec's own rules only (see --rule).",
        epilog="example:\n  voxspec lint telphin --rule operation-id",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    p.add_argument("-h", "--help", action=_RulesHelp, help="show this help, with every rule id, and exit")
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
    p.add_argument("--force", action="store_true", help="render even when the content hash says nothing changed")
    p.set_defaults(func=cmd_generate)

    p = command(
        "recover",
        "Finish or undo a `generate` that was killed while swapping vendor folders into generated/: every "
        "changed vendor ends up new if the run had committed its journal, else every one stays old. "
        "`generate` does this first by itself.",
        "voxspec recover",
    )
    p.set_defaults(func=cmd_recover)

    p = command(
        "check",
        "validate + lint + generated/ up to date + the package version bumped for changes that break clients "
        "since the vendor's last release tag (<vendor>-v<version>): the pre-commit gate.",
        "voxspec check --since HEAD~5",
    )
    p.add_argument("--since", metavar="REV", help="compare with the specs at this git revision, not the release tags")
    p.set_defaults(func=cmd_check)

    p = command(
        "mock",
        "Serve a vendor's generated mock server with uvicorn: stateful CRUD seeded from the spec's examples, "
        "auth, vendor-shaped errors and the behaviours the spec declares. Keys: VOXSPEC_MOCK_KEYS; OAuth2 "
        "clients: VOXSPEC_MOCK_CLIENTS (id:secret,...); users for password grants and basic auth: "
        "VOXSPEC_MOCK_USERS (name:password,...). Exit status: 0 stopped, 2 unusable input (unknown vendor, "
        "bad option, port in use), 3 internal error.",
        "voxspec mock netsapiens --port 4010 --workers 2 --state sqlite:/tmp/ns.db --rate-limit",
    )
    _mock_arguments(p)
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

    p = sub.add_parser(
        "contract",
        help="Check a live server (or the vendor's mock) against the spec with schemathesis, safely.",
        description="Check a live server, or the vendor's mock when no --base-url is given, against the spec "
        "with schemathesis. Read-only unless writes are allowed; prints its plan before sending anything; "
        "keeps to a request budget and the vendor's documented rate limit; honours Retry-After.",
        epilog=CONTRACT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _contract_arguments(p)
    p.set_defaults(func=cmd_contract)

    p = sub.add_parser(
        "proxy",
        help="Forward an application's traffic to the vendor unchanged, check both directions against the spec, "
        "report drift.",
        description="A validating pass-through proxy: every request goes to --target unchanged and every answer "
        "comes back unchanged; both are checked against the spec, and a drift report with proposed spec changes "
        "is printed at exit. A target that cannot be reached is answered 502 in the vendor's error shape.",
        epilog=PROXY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _proxy_arguments(p)
    p.set_defaults(func=cmd_proxy)

    from generator.diff.command import add_arguments

    p = command(
        "diff",
        "Compare two OpenAPI documents and classify every change: breaking for clients, breaking for servers "
        "and mocks, or compatible. Each side is a spec file, a vendor name, or vendor@REV from git.",
        "voxspec diff telphin@telphin-v1.0.0 telphin --fail-on breaking",
    )
    add_arguments(p)
    p.set_defaults(func=cmd_diff)
    return top


def _mock_arguments(p: argparse.ArgumentParser) -> None:
    from generator.serve import DEFAULT_HEADER_TIMEOUT, DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_MAX_URL, DEFAULT_PORT

    p.add_argument("vendor")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})")
    p.add_argument("--workers", type=int, default=1, help="server processes (share state with --state sqlite:PATH)")
    p.add_argument("--state", default="memory", help="memory (default) or sqlite:PATH, kept across restarts")
    p.add_argument("--rate-limit", action="store_true", help="enforce the spec's x-voxspec-rate-limit (429s)")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="add this delay to every answer")
    p.add_argument(
        "--error-rate", type=float, default=0.0, metavar="P", help="answer this fraction of calls with a 5xx"
    )
    p.add_argument("--webhook-url", default=None, help="where to POST the webhooks operations emit")
    p.add_argument(
        "--deliver-subscriptions",
        action="store_true",
        help="also POST them to the URLs of subscriptions created through the API (x-voxspec-subscription)",
    )
    p.add_argument(
        "--allow",
        action="append",
        metavar="CIDR",
        help="enforce the spec's x-voxspec-allow-list on the connecting address (repeatable)",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="CIDR",
        help="believe X-Forwarded-For from these addresses only (repeatable; default: no proxy is believed)",
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="larger bodies get 413 (default: %(default)s)",
    )
    p.add_argument(
        "--max-url",
        type=int,
        default=DEFAULT_MAX_URL,
        metavar="BYTES",
        help="longer paths with their query string get 414 (default: %(default)s)",
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT,
        metavar="SECONDS",
        help="close connections whose request line and headers take longer (default: %(default)s)",
    )
    p.add_argument(
        "--token-ttl",
        type=float,
        default=None,
        metavar="SECONDS",
        help="lifetime of the tokens OAuth2 token endpoints issue (default: the spec's expires_in)",
    )
    p.add_argument(
        "--control",
        action="store_true",
        help="serve the control API under /__voxspec/ (reset, state, journal, queued answers, webhooks, clock)",
    )
    p.add_argument(
        "--control-token",
        default=None,
        metavar="TOKEN",
        help="callers outside loopback reach the control API only with this in X-Voxspec-Control-Token "
        "(default: $VOXSPEC_MOCK_CONTROL_TOKEN; without one, loopback only)",
    )
    p.add_argument(
        "--replay", type=Path, metavar="DIR", help="answer exchanges recorded by `voxspec proxy --record` first"
    )


def _proxy_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("vendor", help="vendor name (specs/<vendor>/openapi.yaml) or a spec file")
    p.add_argument("--target", required=True, help="the vendor's base URL (scheme and host; paths are kept)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4011)
    p.add_argument("--report", type=Path, metavar="FILE", help="write the text drift report here at exit")
    p.add_argument("--json-report", type=Path, metavar="FILE", help="write the JSON drift report here at exit")
    p.add_argument("--junit-xml", type=Path, metavar="FILE", help="JUnit XML, one test case per operation seen")
    p.add_argument("--fail-on-violation", action="store_true", help="exit 1 when any violation was seen")
    p.add_argument("--record", type=Path, metavar="DIR", help="save each exchange, credentials removed, as a cassette")
    p.add_argument("--hold-rate-limit", action="store_true", help="hold requests past the spec's rate limit")
    p.add_argument(
        "--max-body",
        type=int,
        default=4 << 20,
        metavar="BYTES",
        help="bodies up to this size are validated and recorded; larger ones stream through unchecked (default 4 MiB)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout towards the target, in s")


def _contract_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("vendor", help="vendor name (specs/<vendor>/openapi.yaml) or a spec file")
    p.add_argument("--base-url", help="server to check, including any base path (default: start the vendor's mock)")
    p.add_argument(
        "--allow-writes",
        action="append",
        metavar="OPID[,OPID]",
        help="also send these writes: non-GET operations, and any the spec marks x-voxspec-effects",
    )
    p.add_argument("--allow-deletes", action="store_true", help="required as well for DELETE operations")
    p.add_argument("--only", action="append", metavar="OPID[,OPID]", help="send only these operations")
    p.add_argument(
        "--max-requests",
        type=int,
        help="request budget, retries and probes included (default 100, or half the spec's rate limit if lower)",
    )
    p.add_argument("--rate-limit", metavar="N/SECONDS", help="override the spec's x-voxspec-rate-limit, e.g. 10/60")
    p.add_argument(
        "--max-wait",
        type=float,
        default=60.0,
        help="longest wait to accept, for Retry-After or the rate limit, in s (default 60)",
    )
    p.add_argument(
        "--rate-memory",
        type=Path,
        metavar="FILE",
        help="keep the rate-limit window here between runs, so back-to-back runs keep the vendor's limit together "
        "(default with --base-url: .voxspec/contract/<vendor>-<host>.json; 'none' to keep nothing)",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in s (default 30)")
    p.add_argument("--credentials-file", type=Path, help='TOML file of scheme = "secret" lines')
    p.add_argument("--junit-xml", type=Path, help="write a JUnit XML report here")
    p.add_argument("--json-report", type=Path, help="write a JSON report here")
    p.add_argument("--seed", type=int, help="data generation seed (printed in the plan, to repeat a run)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and send nothing, write nothing")
    # SUPPRESS keeps `voxspec -v contract ...` working: the subcommand's default must not reset the count.
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="list every operation --only leaves out (-vv also logs each request)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    return _run(parser().parse_args(argv))


# Commands that end with every file they wrote closed and nothing left running: `voxspec` leaves them without
# tearing the interpreter down (see run).
_QUICK_EXIT = {"generate", "validate", "lint", "check"}


def run() -> None:
    """The `voxspec` command. A generation run then exits without the interpreter's teardown, which frees the
    imported modules, the IR and every rendered file one object at a time: about 0.1 s of a 3 s run of all five
    specs, spent after the work is done (mypy's command does the same). Its files are written and closed before,
    and the output streams are flushed here; every other command exits the ordinary way."""
    args = parser().parse_args()
    status = _run(args)
    if args.command in _QUICK_EXIT:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that has gone (`voxspec validate | head`) misses nothing
                pass
        os._exit(status)
    sys.exit(status)


def _run(args: argparse.Namespace) -> int:
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
    run()
