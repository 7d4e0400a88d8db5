"""The default handlers of every generated server: the mock.

Stages, in order: faults, allow-list, rate limit, an explicit `Prefer` answer, stateful CRUD,
vendor behaviours (async states, synchronous option, webhooks), and the spec's examples for the rest.
"""

from __future__ import annotations

from typing import Any

from .behaviours import AllowList, Faults, RateLimiter, SelfAlias, Webhooks
from .crud import Crud
from .runtime import ApiRequest, ApiResponse, MockConfig, Problem, Spec
from .state import Store, open_store


class MockHandlers:
    """Answers every operation like the vendor would, from one shared state."""

    def __init__(self, spec: Spec, config: MockConfig | None = None, store: Store | None = None) -> None:
        self.spec = spec
        self.config = config or MockConfig()
        extensions: dict[str, Any] = spec.data.get("extensions") or {}
        self.store = store if store is not None else open_store(self.config.state)
        self.crud = Crud(spec, self.store)
        self.crud.seed()
        self.limiter = RateLimiter(spec.data.get("rate_limit"), self.store) if self.config.rate_limit else None
        self.allow_list = AllowList(extensions.get("x-voxspec-allow-list"), self.config.allow)
        self.alias = SelfAlias(extensions.get("x-voxspec-self-alias"))
        for name in self.alias.parameters:
            own = self.crud.seeded_key(name)
            if own is not None:
                self.alias.own[name] = own
        subscribers = self.crud.subscribers if self.config.subscriptions else None
        self.webhooks = Webhooks(spec.data.get("webhooks") or {}, self.config.webhook_url, subscribers)
        self.faults = Faults(self.config.latency_ms, self.config.error_rate)

    def __repr__(self) -> str:
        return f"MockHandlers({self.spec.data.get('title')!r}, {self.config!r})"

    def authenticate(self, scheme: str, value: str) -> bool:
        return value in self.config.keys

    async def handle(self, request: ApiRequest) -> ApiResponse:
        op = self.spec.operations[request.operation_id]
        await self.faults.delay()
        if self.faults.fail():
            raise Problem("unavailable", "injected fault: the service is unavailable")
        if self.allow_list.refuses(request.client):
            raise Problem("forbidden" if self.allow_list.status == 403 else "auth", self.allow_list.message)
        if self.limiter is not None:
            wait = self.limiter.retry_after(op, request.principal or request.client or "")
            if wait is not None:
                raise Problem("rate_limited", "rate limit exceeded", {"Retry-After": str(wait)})
        if request.prefer.get("code") or request.prefer.get("example"):
            return self.example(request)
        path = self.alias.resolve(request.path_params)
        outcome = self.crud.act(request.operation_id, path, request.query, request.body)
        if outcome is None:
            result = self.example(request)
        elif not outcome.found:
            if not self._declares(op, "404"):
                return self.example(request)
            raise Problem("not_found", "no such resource")
        else:
            result = self._accepted(op, request) or self._success(op, outcome.body, outcome.headers)
        if 200 <= result.status < 300:
            values = {
                **request.path_params,
                **request.query,
                **(request.body if isinstance(request.body, dict) else {}),
            }
            self.webhooks.emit(op, values)
        return result

    def example(self, request: ApiRequest) -> ApiResponse:
        """A declared response from the spec's examples (Prism-style `Prefer: code=, example=`)."""
        op = self.spec.operations[request.operation_id]
        responses: dict[str, Any] = op["responses"]
        wanted_code = request.prefer.get("code", "")
        status_key: str = wanted_code if wanted_code in responses else op["success"]
        declared = responses[status_key]
        examples = declared.get("examples") or []
        wanted = request.prefer.get("example")
        names = declared.get("example_names") or []
        body = examples[names.index(wanted)] if wanted in names else (examples[0] if examples else None)
        status = int(status_key) if status_key.isdigit() else 200
        return ApiResponse(status, body, {}, declared.get("content_type"))

    def _success(self, op: dict[str, Any], body: Any, headers: dict[str, str]) -> ApiResponse:
        declared = op["responses"][op["success"]]
        status = int(op["success"]) if op["success"].isdigit() else 200
        return ApiResponse(status, body, headers, declared.get("content_type"))

    def _accepted(self, op: dict[str, Any], request: ApiRequest) -> ApiResponse | None:
        """`x-voxspec-synchronous`: without the option the vendor only accepts the call (202)."""
        rule = (op.get("extensions") or {}).get("x-voxspec-synchronous")
        if not isinstance(rule, dict) or "202" not in op["responses"]:
            return None
        name, wanted = str(rule.get("parameter")), rule.get("value")
        body = request.body if isinstance(request.body, dict) else {}
        given = body.get(name, request.query.get(name))
        if given is not None and str(given).lower() == str(wanted).lower():
            return None
        declared = op["responses"]["202"]
        examples = declared.get("examples") or []
        return ApiResponse(202, examples[0] if examples else None, {}, declared.get("content_type"))

    @staticmethod
    def _declares(op: dict[str, Any], status: str) -> bool:
        responses = op["responses"]
        return status in responses or f"{status[0]}XX" in responses or "default" in responses
