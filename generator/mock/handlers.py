"""The default handlers of every generated server: the mock.

Stages, in order: faults, allow-list, rate limit, an explicit `Prefer` answer, OAuth2 token endpoints, stateful CRUD,
vendor behaviours (async states, synchronous option, webhooks), and the spec's examples for the rest.
"""

from __future__ import annotations

from typing import Any

from .behaviours import AllowList, Faults, RateLimiter, SelfAlias, Webhooks
from .crud import Crud
from .runtime import ApiRequest, ApiResponse, Memo, MockConfig, Problem, Spec
from .shapes import fill_placeholders, letters, swap
from .state import Store, open_store
from .tokens import Tokens


class MockHandlers:
    """Answers every operation like the vendor would, from one shared state."""

    def __init__(self, spec: Spec, config: MockConfig | None = None, store: Store | None = None) -> None:
        self.spec = spec
        self.config = config or MockConfig()
        self.store = store if store is not None else open_store(self.config.state)
        self.crud = Crud(spec, self.store)
        self.crud.seed()
        self.limiter = RateLimiter(spec.data.get("rate_limit"), self.store) if self.config.rate_limit else None
        self.allow_list = AllowList(spec.data.get("allow_list"), self.config.allow)
        self.alias = SelfAlias(spec.data.get("self_alias"))
        for name in self.alias.parameters:  # in path order: the caller's user is one of its own domain
            own = self.crud.seeded_key(name, self.alias.own)
            if own is not None:
                self.alias.own[name] = own
        subscribers = self.crud.subscribers if self.config.subscriptions else None
        self.webhooks = Webhooks(spec.data.get("webhooks") or {}, self.config.webhook_url, subscribers)
        self.faults = Faults(self.config.latency_ms, self.config.error_rate)
        # scheme names by kind, looked up on every authenticated request
        self._basic = frozenset(n for n, s in spec.schemes.items() if s["kind"] == "basic")
        self._bearer = frozenset(n for n, s in spec.schemes.items() if s["kind"] in ("bearer", "oauth2"))
        self.tokens = Tokens(
            spec.schemes, self.config.clients, self.config.users, self.config.token_ttl, self.config.keys
        )
        self._described = Memo()

    def __repr__(self) -> str:
        return f"MockHandlers({self.spec.data.get('title')!r}, {self.config!r})"

    def authenticate(self, scheme: str, value: str) -> bool:
        """A configured key; for bearer schemes also a token the mock's token endpoint issued and that has not
        expired; for basic auth, `base64(user:password)` of a configured user (VOXSPEC_MOCK_USERS)."""
        if scheme in self._basic:
            return self.tokens.basic(value)
        if value in self.config.keys:
            return True
        return scheme in self._bearer and self.tokens.accepts(value)

    async def handle(self, request: ApiRequest) -> ApiResponse:
        op = self.spec.operations[request.operation_id]
        await self.faults.delay()
        if self.faults.fail():
            raise Problem("unavailable", "injected fault: the service is unavailable")
        if self.allow_list.refuses(request.client):
            raise Problem("forbidden" if self.allow_list.status == 403 else "auth", self.allow_list.message)
        if self.limiter is not None:
            caller = self.tokens.subject(request.principal) or request.principal or request.client or ""
            wait = self.limiter.retry_after(op, caller)
            if wait is not None:
                raise Problem("rate_limited", "rate limit exceeded", {"Retry-After": str(wait)})
        if request.prefer.get("code") or request.prefer.get("example"):
            return self.example(request)
        if op.get("token_endpoint") is not None:
            return self.tokens.grant(op, request)
        path = self.alias.resolve(request.path_params)
        outcome = self.crud.act(request.operation_id, path, request.query, request.body)
        if outcome is None:
            result = self.example(request)
            if str(result.status) == op["success"]:  # lists tied to no resource page their examples too
                result.body = self.described(op, request, path, result.body)
        elif outcome.conflict is not None:
            raise Problem("conflict", outcome.conflict)
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

    def described(self, op: dict[str, Any], request: ApiRequest, path: dict[str, Any], body: Any) -> Any:
        """An example answer paged and made to describe the request. It depends on the request alone, so a
        request without a body (what pollers and the benchmark repeat) is worked out once."""
        key: Any = None
        if request.body is None and request.prefer == {}:
            key = (request.operation_id, _frozen(path), _frozen(request.query))
            known = self._described.get(key)
            if known is not None:
                return known
        answer = self.crud.page_example(request.operation_id, path, request.query, body)
        answer = self.from_request(op, request, path, answer)
        if key is not None:
            # bounded by bytes like the pipeline's memos: a caller's distinct query strings cannot grow it
            self._described.put(key, answer, len(repr(key)) + len(repr(answer)))
        return answer

    def from_request(self, op: dict[str, Any], request: ApiRequest, path: dict[str, Any], body: Any) -> Any:
        """An example answer made to describe this request: the example's path values (its account, its
        domain) become the request's, placeholders are filled, and top-level fields the request names
        carry the request's values, as long as the answer still fits its schema."""
        swaps = {
            str(p["example"]): str(path[p["name"]])
            for p in op["parameters"]
            if p["in"] == "path" and "example" in p and p["name"] in path
        }
        given = {**request.query, **(request.body if isinstance(request.body, dict) else {}), **path}
        names = {**self.spec.data.get("server_variables", {}), **{k: str(v) for k, v in given.items()}}
        filled = fill_placeholders(swap(body, swaps) if swaps else body, {letters(k): str(v) for k, v in names.items()})
        schema = op["responses"][op["success"]].get("schema")
        if filled != body and (schema is None or self.spec.validator(schema).is_valid(filled)):
            body = filled  # else a swapped value broke the schema (a path value where an enum is): keep the example
        if isinstance(body, dict):
            echoed = dict(body)
            for name, value in given.items():
                if name in echoed and not isinstance(value, dict | list) and not isinstance(echoed[name], dict | list):
                    echoed[name] = value
            if echoed != body and (schema is None or self.spec.validator(schema).is_valid(echoed)):
                body = echoed
        return body

    def _success(self, op: dict[str, Any], body: Any, headers: dict[str, str]) -> ApiResponse:
        declared = op["responses"][op["success"]]
        status = int(op["success"]) if op["success"].isdigit() else 200
        return ApiResponse(status, body, headers, declared.get("content_type"))

    def _accepted(self, op: dict[str, Any], request: ApiRequest) -> ApiResponse | None:
        """A synchronous rule (`x-voxspec-synchronous`): without the option the vendor only accepts the call (202)."""
        rule = op.get("synchronous")
        if not rule or "202" not in op["responses"]:
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


def _frozen(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))
