"""What a contract run will send, decided before anything is sent: operations, budget, rate limits.

Read-only by default: an operation writes when its method is not GET/HEAD or the spec marks it with
x-voxspec-effects (a GET that places a call is a write). A write needs its operationId in --allow-writes,
a delete also --allow-deletes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from generator import ir
from generator.contract.transport import READ_METHODS, RateLimit, WriteRoute
from generator.errors import SpecError

DEFAULT_BUDGET = 100
NOT_IN_ONLY = "not in --only"


@dataclass(frozen=True)
class PlannedOperation:
    operation_id: str
    method: str
    path: str
    rate_limit: RateLimit | None = None
    effects: str | None = None  # what calling it does (the IR's Operation.effects), whatever the method
    declared: tuple[str, ...] = ()  # the response codes the spec declares ("200", "4XX", "default")
    required: int = 0  # how many parameters (and a body) it requires: the fewer, the better a probe

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.effects is not None or self.method not in READ_METHODS

    @property
    def what(self) -> str:
        """What sending it would do, for the plan: the spec's own words when it has effects."""
        return self.effects or f"writes ({self.method})"

    def declares(self, status: int) -> bool:
        """Whether the spec declares this status for the operation (exactly, as a range like 4XX, or by default)."""
        return str(status) in self.declared or f"{status // 100}XX" in self.declared or "default" in self.declared


@dataclass(frozen=True)
class Plan:
    vendor: str
    base_url: str
    target: str  # "the mock" or "a live server"
    operations: tuple[PlannedOperation, ...]
    skipped: tuple[tuple[str, str, str], ...]  # (operationId, label, reason)
    budget: int
    budget_source: str
    rate_limit: RateLimit | None
    seed: int
    max_wait: float
    checks: tuple[str, ...] = field(default=())
    left_out_checks: tuple[tuple[str, str], ...] = field(default=())
    server_path: str = ""  # the path of the spec's server URL, named when the base URL looks wrong

    @property
    def allowed_writes(self) -> dict[str, str]:
        return {op.operation_id: op.method for op in self.operations if op.writes}

    @property
    def operation_limits(self) -> dict[str, RateLimit]:
        return {op.operation_id: op.rate_limit for op in self.operations if op.rate_limit is not None}


def refused_routes(operations: Sequence[PlannedOperation], allowed: Mapping[str, str]) -> tuple[WriteRoute, ...]:
    """Every write of the spec this run may not send: the guard refuses its method and path whichever case asks."""
    return tuple(
        WriteRoute(op.method, op.path, op.operation_id)
        for op in operations
        if op.writes and op.operation_id not in allowed
    )


def plan_rate_limit(limit: ir.RateLimit | None, source: str) -> RateLimit | None:
    """The IR's `x-voxspec-rate-limit` (build read and checked it; a malformed one stops the run there), named by
    where it came from for the plan."""
    return None if limit is None else RateLimit(limit.requests, float(limit.window_seconds), source)


def parse_rate_limit(text: str) -> RateLimit:
    """`--rate-limit N/SECONDS`, e.g. 10/60."""
    count, sep, window = text.partition("/")
    try:
        limit = RateLimit(int(count), float(window), "--rate-limit") if sep else None
    except ValueError:
        limit = None
    if limit is None or limit.requests < 1 or limit.window <= 0:
        raise SpecError(f"--rate-limit {text!r}: expected REQUESTS/SECONDS, e.g. 10/60")
    return limit


def default_budget(rate_limit: RateLimit | None) -> tuple[int, str]:
    """100 requests, or half the vendor's rate-limit window, so the account keeps room for real traffic."""
    if rate_limit is not None and rate_limit.requests // 2 < DEFAULT_BUDGET:
        return max(1, rate_limit.requests // 2), f"half of the rate limit, {rate_limit}"
    return DEFAULT_BUDGET, "default"


def select(
    operations: Sequence[PlannedOperation],
    allow_writes: Sequence[str],
    allow_deletes: bool,
    only: Sequence[str],
) -> tuple[list[PlannedOperation], list[tuple[str, str, str]]]:
    """Operations to send and (operationId, label, reason) for each one left out."""
    by_id = {op.operation_id: op for op in operations}
    unknown = sorted(set(allow_writes) - by_id.keys()) + sorted(set(only) - by_id.keys())
    if unknown:
        raise SpecError(f"unknown operationId(s): {', '.join(unknown)}; see the plan of a read-only run for the list")
    undeletable = sorted(i for i in allow_writes if by_id[i].method == "DELETE" and not allow_deletes)
    if undeletable:
        raise SpecError(f"{', '.join(undeletable)} delete(s) data; add --allow-deletes to send them")
    chosen: list[PlannedOperation] = []
    skipped: list[tuple[str, str, str]] = []
    for op in operations:
        if only and op.operation_id not in only:
            skipped.append((op.operation_id, op.label, NOT_IN_ONLY))
        elif op.writes and op.operation_id not in allow_writes:
            skipped.append((op.operation_id, op.label, f"{op.what}; not in --allow-writes"))
        else:
            chosen.append(op)
    return chosen, skipped


def describe(plan: Plan, verbose: bool = False) -> str:
    """The plan as printed before any request; operations left out by --only are counted, listed with -v."""
    lines = [f"voxspec contract {plan.vendor}: plan for {plan.base_url} ({plan.target})"]
    writes = sum(op.writes for op in plan.operations)
    lines.append(
        f"  {len(plan.operations)} operation(s) to send ({writes} writing), {len(plan.skipped)} left out; "
        f"seed {plan.seed}"
    )
    share = plan.budget // len(plan.operations) if plan.operations else 0
    for op in plan.operations:
        extra = f", rate limit {op.rate_limit}" if op.rate_limit else ""
        writing = (f" WRITES: {op.effects}" if op.effects else " WRITES") if op.writes else ""
        lines.append(f"  send  {op.label}  [{op.operation_id}]{writing}{extra}")
    not_in_only = [s for s in plan.skipped if s[2] == NOT_IN_ONLY]
    for operation_id, label, reason in plan.skipped:
        if reason != NOT_IN_ONLY or verbose:
            lines.append(f"  skip  {label}  [{operation_id}]: {reason}")
    if not_in_only and not verbose:
        lines.append(f"  skip  {len(not_in_only)} other operation(s): {NOT_IN_ONLY} (-v lists them)")
    lines.append(f"  request budget: {plan.budget} ({plan.budget_source}); about {share} per operation")
    if plan.operations and share < 1:
        lines.append(f"  budget below one request per operation: only the first {plan.budget} operation(s) run")
    lines.append(f"  rate limit: {plan.rate_limit or 'none declared'}; Retry-After honoured up to {plan.max_wait:g} s")
    if plan.checks:
        lines.append(f"  checks: {', '.join(plan.checks)}")
    for name, reason in plan.left_out_checks:
        lines.append(f"  check left out: {name}: {reason}")
    return "\n".join(lines)
