"""`voxspec contract`: schemathesis checks against a vendor's mock or a live base URL, with safety rails.

Plan first (read-only unless writes are allowed, a request budget, the vendor's rate limit), then run, then report.
What an operation does comes from the IR (x-voxspec-effects), what schemathesis sends from its own loader.
"""

from __future__ import annotations

import json
import logging
import random
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from generator.contract.credentials import (
    BASIC,
    BEARER,
    Credentials,
    Redactor,
    Scheme,
    auth_config,
    env_name,
    file_is_shared,
    load_credentials,
    redacted_logging,
    schemes_of,
)
from generator.contract.plan import (
    Plan,
    PlannedOperation,
    default_budget,
    describe,
    plan_rate_limit,
    refused_routes,
    select,
)
from generator.contract.report import passed, summary, write_reports
from generator.contract.runner import AUTH_CHECK, EXCLUDED_CHECKS, Runner, RunResult, check_functions
from generator.contract.tokens import sign_in
from generator.contract.transport import Guard, RateLimit, guarded_session
from generator.errors import Exit, SpecError
from generator.ir import Api, Operation
from generator.write import replace_file

__all__ = ["ContractOptions", "contract"]

log = logging.getLogger("voxspec.contract")


@dataclass(frozen=True)
class ContractOptions:
    vendor: str
    spec: Path
    base_url: str | None = None
    allow_writes: tuple[str, ...] = ()
    allow_deletes: bool = False
    only: tuple[str, ...] = ()
    max_requests: int | None = None
    rate_limit: RateLimit | None = None
    max_wait: float = 60.0
    timeout: float = 30.0
    credentials_file: Path | None = None
    junit_xml: Path | None = None
    json_report: Path | None = None
    seed: int | None = None
    dry_run: bool = False
    rate_memory: Path | None = None  # where the rate-limit windows are kept between runs; None keeps nothing
    verbose: bool = False  # list every operation --only leaves out, not just their count


def load_schema(spec: Path) -> Any:
    import schemathesis

    if not spec.is_file():
        raise SpecError(f"no spec at {spec}")
    try:
        return schemathesis.openapi.from_path(spec)
    except Exception as exc:  # schemathesis' loader errors have no common base class
        raise SpecError(f"schemathesis cannot load {spec}: {type(exc).__name__}: {exc}") from None


def load_ir(spec: Path, vendor: str) -> Api:
    """The IR of the spec: its operations (what each does, which responses it declares, its rate limit), its
    security schemes and its rate limit. The contract run reads the spec's meaning from here only."""
    from generator.build import build
    from generator.load import load

    doc = load(spec)
    try:
        api = build(doc, vendor)
    except Exception as exc:  # build assumes a linted spec; contract takes any, so any failure is unusable input
        raise SpecError(f"{spec}: cannot read its operations: {type(exc).__name__}: {exc}") from None
    return api


def _operations(
    schema: Any, ir: dict[tuple[str, str], Operation]
) -> tuple[dict[str, Any], list[PlannedOperation], list[tuple[str, str, str]]]:
    by_id: dict[str, Any] = {}
    planned: list[PlannedOperation] = []
    broken: list[tuple[str, str, str]] = []
    for item in schema.get_all_operations():
        operation = item.ok() if hasattr(item, "ok") else item
        if isinstance(operation, Exception):
            broken.append(("?", "?", f"schemathesis cannot read it: {operation}"))
            continue
        known = ir.get((operation.method.upper(), operation.path))
        if known is None:
            label = f"{operation.method.lower()} {operation.path}"
            broken.append((label, operation.path, "not in the spec's operations as voxspec reads them"))
            continue
        operation_id = known.op_id
        limit = plan_rate_limit(known.rate_limit, f"operation {operation_id}")
        declared = tuple(r.status for r in known.responses)
        required = sum(p.required for p in known.parameters) + bool(known.body and known.body.required)
        planned.append(
            PlannedOperation(
                operation_id, operation.method.upper(), operation.path, limit, known.effects, declared, required
            )
        )
        by_id[operation_id] = operation
    return by_id, planned, broken


def _credential_names(schemes: dict[str, Scheme], used: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    headers, query = [], []
    for name in used:
        scheme = schemes[name]
        if scheme.kind in (BASIC, BEARER):
            headers.append("Authorization")
        elif scheme.location == "header":
            headers.append(scheme.param)
        elif scheme.location == "query":
            query.append(scheme.param)
    return sorted(set(headers)), sorted(set(query))


def _credentials_note(vendor: str, schemes: dict[str, Scheme], creds: Credentials, used: Collection[str]) -> str:
    parts = []
    for name in sorted(schemes):
        where = creds.sources.get(name)
        if where is None and schemes[name].deprecated:
            parts.append(f"{name}: none (deprecated by the vendor; not needed)")  # never suggest setting one up
        elif where is None:
            parts.append(f"{name}: none (set {env_name(vendor, name)})")
        else:
            unsent = (
                ", an OAuth2 grant: signs in before the checks" if name in creds.grants else ", not sent (deprecated)"
            )
            parts.append(f"{name}: from {where}" + ("" if name in used else unsent))
    return "  credentials: " + ("; ".join(parts) if parts else "the spec declares no security scheme")


def with_base_path(url: str, base_path: str) -> str:
    """A base URL without a path gets the spec's server path (/ns-api/v2); one with a path is used as given."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        parts = parts._replace(path=base_path)
    return urlunsplit(parts).rstrip("/")


@contextmanager
def _target(root: Path, options: ContractOptions, base_path: str) -> Iterator[tuple[str, str]]:
    if options.base_url:
        if urlsplit(options.base_url).scheme not in ("http", "https") or not urlsplit(options.base_url).netloc:
            raise SpecError(f"--base-url {options.base_url!r}: expected http(s)://host[:port][/path]")
        yield with_base_path(options.base_url, base_path), "a live server"
        return
    from generator.contract.mock import running_mock

    with running_mock(root, options.vendor) as url:
        yield with_base_path(url, base_path), "the vendor's mock, started for this run"


def contract(root: Path, options: ContractOptions) -> int:
    schema = load_schema(options.spec)
    api = load_ir(options.spec, options.vendor)
    by_id, available, broken = _operations(schema, {(op.method, op.path): op for op in api.operations})
    chosen, skipped = select(available, options.allow_writes, options.allow_deletes, options.only)
    spec_limit = plan_rate_limit(api.rate_limit, "spec root")
    rate_limit = options.rate_limit or spec_limit
    budget, budget_source = (
        (options.max_requests, "--max-requests") if options.max_requests is not None else default_budget(rate_limit)
    )
    if budget < 1:
        raise SpecError("--max-requests must be at least 1")
    schemes = schemes_of(api.security_schemes)
    defaults: dict[str, str] = {}
    if not options.base_url:
        from generator.contract.mock import mock_key

        # The mock takes its key as the raw credential of every scheme; a basic pair cannot carry it.
        defaults = {name: mock_key() for name, s in schemes.items() if s.kind != BASIC}
    if options.credentials_file is not None and file_is_shared(options.credentials_file):
        log.warning("credentials file %s is readable by other users; consider chmod 600", options.credentials_file)
    creds = load_credentials(options.vendor, schemes, options.credentials_file, defaults=defaults)
    redact = Redactor.of(creds.secrets())
    checks = check_functions()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)

    dry = (with_base_path(options.base_url or "http://mock", schema.base_path), "dry run: nothing is sent")
    target_cm = nullcontext(dry) if options.dry_run else _target(root, options, schema.base_path)
    with redacted_logging(redact), target_cm as (base_url, target):
        plan = Plan(
            vendor=options.vendor,
            base_url=base_url,
            target=target,
            operations=tuple(chosen),
            skipped=tuple(skipped + broken),
            budget=budget,
            budget_source=budget_source,
            rate_limit=rate_limit,
            seed=seed,
            max_wait=options.max_wait,
            checks=(*sorted(checks), f"{AUTH_CHECK} (voxspec's probe, once per operation)"),
            left_out_checks=tuple(EXCLUDED_CHECKS.items()),
            server_path=schema.base_path,
        )
        print(redact(describe(plan, verbose=options.verbose)))
        guard = Guard(
            budget=budget,
            allowed_writes=plan.allowed_writes,
            rate_limit=rate_limit,
            operation_limits=plan.operation_limits,
            max_wait=options.max_wait,
            base_url=base_url,
            refused_routes=refused_routes(available, plan.allowed_writes),
        )
        if options.rate_memory is not None:
            earlier = guard.restore(read_rate_memory(options.rate_memory))
            print(f"  rate-limit memory: {options.rate_memory} ({earlier} earlier request(s) still in the window)")
        try:
            return _run(options, schema, plan, chosen, by_id, schemes, api.servers, creds, guard, redact, checks)
        finally:
            # A dry run sends nothing, so it has no window to keep and writes nothing.
            if options.rate_memory is not None and not options.dry_run:
                write_rate_memory(options.rate_memory, guard.history())


def _run(
    options: ContractOptions,
    schema: Any,
    plan: Plan,
    chosen: Sequence[PlannedOperation],
    by_id: dict[str, Any],
    schemes: dict[str, Scheme],
    servers: Sequence[str],
    creds: Credentials,
    guard: Guard,
    redact: Redactor,
    checks: Any,
) -> int:
    """Sign in where a grant was given, then send the checks; the plan is printed and the guard set up."""
    if creds.grants and chosen and not options.dry_run:
        for line in sign_in(schemes, creds, servers, plan.base_url, guard, redact, options.timeout):
            print(redact(line), flush=True)
    used = auth_config(schemes, creds)
    print(redact(_credentials_note(options.vendor, schemes, creds, used)), flush=True)
    if schemes and not used:
        print("  warning: no credentials; operations that require them should all answer 401", flush=True)
    if options.dry_run:
        return Exit.OK
    if not chosen:
        writes = [f"{i} ({why})" for i, _label, why in plan.skipped if why.endswith("not in --allow-writes")]
        hint = f"; left out as writes: {', '.join(writes)}" if options.only and writes else ""
        print(f"voxspec contract: nothing to send{hint}", file=sys.stderr)
        return Exit.UNUSABLE
    from schemathesis.config import ProjectConfig

    # The documented `[auth.openapi.<scheme>]` configuration, read by schemathesis' public config loader.
    schema.config.auth = ProjectConfig.from_dict({"auth": {"openapi": used}}).auth
    # Schemathesis' own reports mask these names too; ours redact by value as well.
    header_names, query_names = _credential_names(schemes, used)
    runner = Runner(
        plan=plan,
        schema=schema,
        operations=by_id,
        guard=guard,
        session=guarded_session(guard, notify=lambda line: print(redact(line), file=sys.stderr, flush=True)),
        redact=redact,
        credential_headers=tuple(header_names),
        credential_query=tuple(query_names),
        checks=checks,
        timeout=options.timeout,
    )
    return _finish(runner.run(), redact, options)


def default_rate_memory(root: Path, vendor: str, base_url: str) -> Path:
    """Where a live server's rate-limit windows are kept: one file per vendor and host."""
    parts = urlsplit(base_url)  # hostname and port only: a user:password@ in the URL must not name a file
    where = f"{parts.hostname or 'server'}{f'_{parts.port}' if parts.port else ''}"
    host = "".join(c if c.isalnum() or c in ".-" else "_" for c in where)
    return root / ".voxspec" / "contract" / f"{vendor}-{host}.json"


def read_rate_memory(path: Path) -> dict[str, list[float]]:
    """The windows an earlier run left; an unreadable file is reported and counts as none."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring rate-limit memory %s: %s", path, type(exc).__name__)
        return {}
    windows = data.get("windows") if isinstance(data, dict) else None
    if not isinstance(windows, dict):
        return {}
    return {
        str(key): [float(t) for t in times if isinstance(t, int | float)]
        for key, times in windows.items()
        if isinstance(times, list)
    }


def write_rate_memory(path: Path, history: dict[str, list[float]]) -> None:
    """Keep the windows for the next run, replacing the file whole (never half-written)."""
    try:
        replace_file(path, json.dumps({"clock": "unix seconds", "windows": history}, indent=1) + "\n")
    except OSError as exc:
        log.warning("could not keep the rate-limit memory in %s: %s", path, type(exc).__name__)


def _finish(result: RunResult, redact: Redactor, options: ContractOptions) -> int:
    print(summary(result, redact))
    write_reports(result, redact, options.junit_xml, options.json_report)
    if result.unreachable and result.responses == 0:
        return Exit.UNUSABLE
    return Exit.OK if passed(result) else Exit.FINDINGS


def parse_ids(values: Sequence[str] | None) -> tuple[str, ...]:
    """operationIds from repeatable, comma-separated options."""
    return tuple(dict.fromkeys(i.strip() for v in values or () for i in v.split(",") if i.strip()))
