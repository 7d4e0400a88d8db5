"""Drives schemathesis over the planned operations, one budget share each, and collects check outcomes.

Every request goes through the guarded session; every recorded text passes through the Redactor first.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from generator.contract.credentials import Redactor
from generator.contract.plan import Plan, PlannedOperation
from generator.contract.transport import CrossOriginRedirect, Guard, RunStopped, WriteRouteRefused

log = logging.getLogger("voxspec.contract")

# Schemathesis checks left out, each with its reason. Their probes open a fresh HTTP session of their own
# (schemathesis.specs.openapi._auth_retry.send_probe drops the session it is given), so they would escape the
# method guard, the budget and the rate limit. voxspec sends the ignored_auth probes itself, through them.
EXCLUDED_CHECKS = {
    "ignored_auth": "probes outside the guarded session; voxspec's own ignored_auth probe replaces it",
    "object_level_authorization": "probes outside the guarded session, and needs a second identity",
}
AUTH_CHECK = "ignored_auth"
REDIRECT_CHECK = "cross_origin_redirect"
PATH_PARAM = re.compile(r"\{([^}/]+)\}")
PROBES = 3  # requests at most spent on finding out whether the base URL is right, before the checks
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
    refused: int = 0  # generated requests not sent: their path is that of a write this run may not send

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
    wrong_base_url: str | None = None  # why the base URL or path looks wrong: a finding of its own

    @property
    def failures(self) -> int:
        return sum(len(op.failures) for op in self.operations) + (self.wrong_base_url is not None)

    @property
    def errors(self) -> int:
        return sum(len(op.errors) for op in self.operations)

    @property
    def responses(self) -> int:
        return sum(op.cases for op in self.operations)


def probe_candidates(operations: list[PlannedOperation]) -> tuple[list[PlannedOperation], list[str]]:
    """Reads to probe the base URL with, and the shared path parameters they carry (none when there are
    parameter-free paths to use)."""
    reads = sorted((op for op in operations if not op.writes), key=lambda op: op.required)
    plain = [op for op in reads if "{" not in op.path]
    if plain or len(operations) < 3:  # a parameter only one or two operations share says little about the rest
        return plain, []
    names = [set(PATH_PARAM.findall(op.path)) for op in operations]
    shared = set.intersection(*names)
    collections = [
        op for op in reads if set(PATH_PARAM.findall(op.path)) <= shared and "{" not in op.path.rsplit("/", 1)[-1]
    ]
    return collections, sorted(shared) if collections else []


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
        wrong = self._probe(results)
        for index, result in enumerate(results):
            if self.stopped:
                result.not_run = None if result.cases else self.stopped  # the probe's answer is reported
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
            wrong_base_url=wrong or self.judge_base_url(results),
        )

    def _probe(self, results: list[OperationResult]) -> str | None:
        """A few requests before the budget is spent, to reads whose 404 cannot mean a missing record: paths
        without parameters, or else collections whose only parameters every operation shares (Avaya's
        {accountId}: a wrong one makes the whole run pointless too). Fewest required parameters first. An
        undeclared 404/405 settles it at once; a declared one only when every probe answers so. Any other
        answer means the path is there."""
        candidates, shared = probe_candidates([r.operation for r in results])
        by_id = {r.operation.operation_id: r for r in results}
        answers = []
        for probe in (by_id[op.operation_id] for op in candidates[:PROBES]):
            if self.stopped or self.guard.remaining < 1:
                return None
            self._run_operation(probe, 1)
            if not probe.statuses:
                return None  # nothing came back (unreachable, refused): other rails report it
            status = next(iter(probe.statuses))
            if status not in (404, 405):
                return None
            answers.append(f"{probe.operation.label} answered {status}")
            if not probe.operation.declares(status):
                answers[-1] += ", which the spec does not declare for it"
                break
        if not answers:
            return None
        self.stopped = "the base URL or path looks wrong (see the finding)"
        values = f" (or the values of {', '.join(shared)} name nothing on this server)" if shared else ""
        return self._wrong_base_url(f"the probe {'; '.join(answers)}{values}")

    def judge_base_url(self, results: list[OperationResult]) -> str | None:
        """After the run: no declared success anywhere, or mostly undeclared 404/405, is not a pass."""
        responses = sum(r.cases for r in results)
        if responses == 0:
            return None
        succeeded = sum(n for r in results for s, n in r.statuses.items() if 200 <= s < 300 and r.operation.declares(s))
        undeclared = sum(
            n for r in results for s, n in r.statuses.items() if s in (404, 405) and not r.operation.declares(s)
        )
        if undeclared * 2 > responses:
            return self._wrong_base_url(
                f"{undeclared} of {responses} response(s) were 404/405 that the spec does not declare"
            )
        if succeeded == 0:
            refused = sum(n for r in results for s, n in r.statuses.items() if s in (401, 403))
            also = "; or the credentials were refused" if refused * 2 > responses else ""
            return self._wrong_base_url(f"none of {responses} response(s) was a success status the spec declares{also}")
        return None

    def _wrong_base_url(self, why: str) -> str:
        expected = f"; the spec's server path is {self.plan.server_path}" if self.plan.server_path else ""
        return self.redact(f"{why}: the base URL or path looks wrong (--base-url {self.plan.base_url}{expected})")

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
            self._stop(result, exc)
        except Exception as exc:  # schemathesis could not generate data for this operation: report, go on
            log.debug("generation failed for %s", op.operation_id, exc_info=True)
            result.errors.append(self.redact(f"cannot generate requests: {type(exc).__name__}: {exc}"))
        result.requests += self.guard.sent - start

    def _stop(self, result: OperationResult, exc: RunStopped) -> None:
        """Stop the run; a redirect to another host is also a finding of the operation that got it."""
        self.stopped = self.redact(str(exc))
        if isinstance(exc, CrossOriginRedirect):
            key = (REDIRECT_CHECK, "CrossOriginRedirect", "Redirect to another host")
            curl = f"curl -s -o /dev/null -w '%{{redirect_url}}' -X {exc.method} '{exc.url}'"
            result.tally(REDIRECT_CHECK, ok=False)
            result.failures[key] = FailureRecord(
                REDIRECT_CHECK, "CrossOriginRedirect", key[2], self.redact(str(exc)), self.redact(curl), exc.status
            )

    def _send(self, result: OperationResult, case: Any, share_left: int) -> None:
        base_url = self.plan.base_url
        kwargs = {"base_url": base_url, "session": self.session}
        try:
            response = case.call(base_url=base_url, session=self.session, timeout=self.timeout)
        except WriteRouteRefused as exc:
            # A generated path value spelled out a write's path: that request is not sent, the run goes on.
            log.info("not sent: %s", exc)
            result.refused += 1
            return
        except RunStopped as exc:
            self._stop(result, exc)
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
                self._stop(result, exc)
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
            self._stop(result, exc)
        except WriteRouteRefused as exc:
            log.info("follow-up not sent: %s", exc)
            result.refused += 1
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
