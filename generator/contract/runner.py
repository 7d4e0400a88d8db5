"""Drives schemathesis over the planned operations, one budget share each, and collects check outcomes.

Every request goes through the guarded session; every recorded text passes through the Redactor first.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from generator.contract.credentials import Redactor
from generator.contract.plan import Plan, PlannedOperation
from generator.contract.transport import Guard, RunStopped

log = logging.getLogger("voxspec.contract")

# Schemathesis checks left out, each with its reason. Their probes open a fresh HTTP session of their own
# (schemathesis.specs.openapi._auth_retry.send_probe drops the session it is given), so they would escape the
# method guard, the budget and the rate limit. voxspec sends the ignored_auth probes itself, through them.
EXCLUDED_CHECKS = {
    "ignored_auth": "probes outside the guarded session; voxspec's own ignored_auth probe replaces it",
    "object_level_authorization": "probes outside the guarded session, and needs a second identity",
}
AUTH_CHECK = "ignored_auth"
INVALID_CREDENTIAL = "voxspec-invalid-credential"


@dataclass
class FailureRecord:
    check: str
    kind: str  # schemathesis' failure class, named after the symptom
    title: str
    message: str
    curl: str
    status: int | None
    count: int = 1


@dataclass
class OperationResult:
    operation: PlannedOperation
    cases: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    checks: dict[str, list[int]] = field(default_factory=dict)  # name -> [passed, failed]
    failures: dict[tuple[str, str, str], FailureRecord] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    not_run: str | None = None
    auth_checked: bool = False

    def tally(self, check: str, ok: bool) -> None:
        counts = self.checks.setdefault(check, [0, 0])
        counts[0 if ok else 1] += 1


@dataclass
class RunResult:
    plan: Plan
    operations: list[OperationResult]
    requests_sent: int = 0
    waited: float = 0.0
    retried: int = 0
    stopped: str | None = None
    unreachable: bool = False

    @property
    def failures(self) -> int:
        return sum(len(op.failures) for op in self.operations)

    @property
    def errors(self) -> int:
        return sum(len(op.errors) for op in self.operations)

    @property
    def responses(self) -> int:
        return sum(op.cases for op in self.operations)


def check_functions() -> dict[str, Callable[..., Any]]:
    """Every check schemathesis registers as a function (class-based checks span whole runs and need its engine)."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return {c.__name__: c for c in CHECKS.get_all() if not inspect.isclass(c) and c.__name__ not in EXCLUDED_CHECKS}


def curl_of(request: requests.PreparedRequest) -> str:
    from schemathesis.core.curl import generate

    headers = dict(request.headers)
    return str(
        generate(
            method=request.method or "GET",
            url=request.url or "",
            body=request.body,
            verify=True,
            headers=headers,
            known_generated_headers={},
        ).command
    )


def auth_probes(
    sent: requests.PreparedRequest, header_names: Iterable[str], query_names: Iterable[str]
) -> list[tuple[str, requests.PreparedRequest]]:
    """The sent request without its credentials, then with wrong ones: both must be refused."""
    headers = {h.lower() for h in header_names}
    queries = set(query_names)

    def variant(value: str | None) -> requests.PreparedRequest:
        probe = sent.copy()
        for name in list(probe.headers):
            if name.lower() in headers:
                del probe.headers[name]
                if value is not None:
                    scheme = probe_scheme(str(sent.headers[name])) if name.lower() == "authorization" else ""
                    probe.headers[name] = f"{scheme}{value}"
        parts = urlsplit(probe.url or "")
        query = [(k, v if k not in queries else value) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        kept = [(k, v) for k, v in query if v is not None]
        probe.url = urlunsplit(parts._replace(query=urlencode(kept)))
        return probe

    return [("without credentials", variant(None)), ("with invalid credentials", variant(INVALID_CREDENTIAL))]


def probe_scheme(value: str) -> str:
    """'Bearer ' of 'Bearer abc': an invalid credential keeps the scheme word, so only the secret is wrong."""
    word, sep, _ = value.partition(" ")
    return f"{word} " if sep else ""


@dataclass
class Runner:
    plan: Plan
    schema: Any  # schemathesis BaseSchema
    operations: dict[str, Any]  # operationId -> schemathesis APIOperation
    guard: Guard
    session: requests.Session
    redact: Redactor
    credential_headers: tuple[str, ...] = ()
    credential_query: tuple[str, ...] = ()
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    checks: dict[str, Callable[..., Any]] = field(default_factory=check_functions)
    timeout: float = 30.0
    stopped: str | None = None
    unreachable: bool = False

    def run(self) -> RunResult:
        results = [OperationResult(op) for op in self.plan.operations]
        for index, result in enumerate(results):
            if self.stopped:
                result.not_run = self.stopped
                continue
            ops_left = len(results) - index
            share = (
                self.guard.remaining // ops_left if self.guard.remaining >= ops_left else min(1, self.guard.remaining)
            )
            if share < 1:
                result.not_run = "request budget spent"
                continue
            self._run_operation(result, share)
            self.progress(
                f"voxspec contract: [{index + 1}/{len(results)}] {result.operation.label} "
                f"[{result.operation.operation_id}]: {result.requests} request(s), {len(result.failures)} failure(s)"
                + (f", {len(result.errors)} error(s)" if result.errors else "")
            )
        return RunResult(
            self.plan,
            results,
            requests_sent=self.guard.sent,
            waited=self.guard.waited,
            retried=self.guard.retried,
            stopped=self.stopped,
            unreachable=self.unreachable,
        )

    def _run_operation(self, result: OperationResult, share: int) -> None:
        from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
        from hypothesis import strategies as st
        from schemathesis import GenerationMode

        op = result.operation
        operation = self.operations[op.operation_id]
        self.guard.operation, self.guard.method = op.operation_id, op.method
        start = self.guard.sent

        def body(case: Any) -> None:
            if self.stopped or self.guard.sent - start >= share:
                return
            self._send(result, case, share - (self.guard.sent - start))

        def run_with(strategy: Any, examples: int) -> None:
            test = settings(
                max_examples=max(1, examples),
                deadline=None,
                database=None,
                derandomize=False,
                phases=[Phase.generate],
                verbosity=Verbosity.quiet,
                suppress_health_check=list(HealthCheck),
            )(given(case=strategy)(body))
            seed(self.plan.seed)(test)()

        try:
            for strategy in operation.get_strategies_from_examples():
                if self.stopped or self.guard.sent - start >= share:
                    break
                run_with(strategy, 1)
            remaining = share - (self.guard.sent - start)
            if remaining > 0 and not self.stopped:
                modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
                run_with(st.one_of([operation.as_strategy(generation_mode=m) for m in modes]), remaining)
        except RunStopped as exc:  # raised through hypothesis by a guard refusal inside body
            self.stopped = str(exc)
        except Exception as exc:  # schemathesis could not generate data for this operation: report, go on
            log.debug("generation failed for %s", op.operation_id, exc_info=True)
            result.errors.append(self.redact(f"cannot generate requests: {type(exc).__name__}: {exc}"))
        result.requests = self.guard.sent - start

    def _send(self, result: OperationResult, case: Any, share_left: int) -> None:
        base_url = self.plan.base_url
        kwargs = {"base_url": base_url, "session": self.session}
        try:
            response = case.call(base_url=base_url, session=self.session, timeout=self.timeout)
        except RunStopped as exc:
            self.stopped = str(exc)
            return
        except requests.ConnectionError as exc:
            result.errors.append(self.redact(f"cannot connect: {type(exc).__name__}: {exc}"))
            self.stopped, self.unreachable = f"cannot connect to {self.plan.base_url}", True
            return
        except requests.RequestException as exc:
            result.errors.append(self.redact(f"request failed: {type(exc).__name__}: {exc}"))
            return
        result.cases += 1
        result.statuses[response.status_code] += 1
        for name, check in self.checks.items():
            self._validate(result, case, response, name, check, kwargs)
        if 200 <= response.status_code < 300 and self.requires_auth(case) and not self.sends_credentials:
            self._auth_failure(result, "without credentials", response.status_code, self._case_curl(case, response))
        # The two probes come out of the operation's share, so later operations keep theirs.
        if (
            not result.auth_checked
            and share_left >= 3
            and 200 <= response.status_code < 300
            and self.operation_secured(case)
        ):
            self._probe_auth(result, response)

    @property
    def sends_credentials(self) -> bool:
        return bool(self.credential_headers or self.credential_query)

    def requires_auth(self, case: Any) -> bool:
        security = case.operation.definition.raw.get("security", self.schema.raw_schema.get("security", []))
        return bool(security) and all(alternative for alternative in security)

    def operation_secured(self, case: Any) -> bool:
        """Whether the operation requires credentials and this run sent some (so taking them away must fail)."""
        return self.requires_auth(case) and self.sends_credentials

    def _auth_failure(self, result: OperationResult, scenario: str, status: int, curl: str) -> None:
        result.tally(AUTH_CHECK, ok=False)
        without = scenario == "without credentials"
        title = "API accepts requests without authentication" if without else "API accepts invalid authentication"
        key = (AUTH_CHECK, "IgnoredAuth", title)
        if key in result.failures:
            result.failures[key].count += 1
            return
        message = f"Expected 401 or 403, got {status} for {result.operation.label} {scenario}"
        result.failures[key] = FailureRecord(AUTH_CHECK, "IgnoredAuth", title, message, self.redact(curl), status)

    def _case_curl(self, case: Any, response: Any) -> str:
        try:
            curl = case.as_curl_command(headers=dict(response.request.headers), base_url=self.plan.base_url)
        except Exception as exc:  # a curl that cannot be built must not hide the failure itself
            curl = f"(no curl: {type(exc).__name__})"
        return self.redact(str(curl).split("\n\n", 1)[0])

    def _probe_auth(self, result: OperationResult, response: Any) -> None:
        """Once per operation, on its first authenticated 2xx, so the probes cost two requests, not two per case."""
        result.auth_checked = True
        sent = response.request
        for scenario, probe in auth_probes(sent, self.credential_headers, self.credential_query):
            try:
                answer = self.session.send(probe, timeout=self.timeout)
            except RunStopped as exc:
                self.stopped = str(exc)
                return
            except requests.RequestException as exc:
                result.errors.append(self.redact(f"{AUTH_CHECK}: probe failed: {type(exc).__name__}: {exc}"))
                return
            if 200 <= answer.status_code < 300:
                self._auth_failure(result, scenario, answer.status_code, curl_of(probe))
            else:
                result.tally(AUTH_CHECK, ok=True)

    def _validate(
        self, result: OperationResult, case: Any, response: Any, name: str, check: Any, kwargs: dict[str, Any]
    ) -> None:
        from schemathesis.core.failures import FailureGroup

        try:
            case.validate_response(response, checks=[check], transport_kwargs=kwargs)
        except FailureGroup as group:
            result.tally(name, ok=False)
            for failure in group.exceptions:
                self._record(result, case, response, name, failure)
        except RunStopped as exc:
            self.stopped = str(exc)
        except requests.RequestException as exc:
            result.errors.append(self.redact(f"{name}: follow-up request failed: {type(exc).__name__}: {exc}"))
        else:
            result.tally(name, ok=True)

    def _record(self, result: OperationResult, case: Any, response: Any, check: str, failure: Any) -> None:
        title = self.redact(str(getattr(failure, "title", "") or type(failure).__name__))
        message = self.redact(str(getattr(failure, "message", "") or ""))
        key = (check, type(failure).__name__, title)
        if key in result.failures:
            result.failures[key].count += 1
            return
        result.failures[key] = FailureRecord(
            check, type(failure).__name__, title, message, self._case_curl(case, response), response.status_code
        )
