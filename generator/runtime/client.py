"""HTTP plumbing of generated clients: request building, sending with retries, envelopes, errors, pages.

Copied verbatim into each generated package as `_http.py`; imports only httpx, pydantic and the
package's `_auth`, `_errors`, `_policy` and `_shapes` modules (copied the same way).
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, TypeAdapter

from ._auth import Credentials, TokenSource, redact
from ._errors import ApiError, EnvelopeError, NetworkError, RateLimitError, RedirectError, error_class
from ._policy import RateLimiter, Retry, parse_retry_after
from ._shapes import Envelope, ErrorShape, Paging

logger = logging.getLogger(__name__.rpartition(".")[0] or __name__)
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")
# Same-origin redirects followed for one call before it fails; browsers and httpx allow about as many.
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Operation:
    """A row of the client's operation table: what sending one call needs at run time. Not the IR's Operation
    (generator/ir.py), which describes the operation whole; client.py.j2 writes each row from one of those."""

    operation_id: str
    method: str
    path: str
    security: tuple[tuple[str, ...], ...]
    idempotent: bool
    server: str | None = None  # replaces the client's base URL for this operation (e.g. a token endpoint)
    envelope: Envelope | None = None
    paging: Paging | None = None


def encode(value: Any) -> Any:
    """A query/header/form value as the string the API expects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def segment(value: Any) -> str:
    """A path parameter as exactly one path segment, so no value can change which endpoint is called.

    Every character but RFC 3986's unreserved ones is percent-encoded (`/`, `?`, `#`, `%`, `;` included), and a
    value made only of dots is written as `%2E`s: httpx, like any URL normaliser, would remove a `.` or `..`
    segment together with the one before it."""
    text = str(encode(value))
    if not text:
        raise ValueError("a path parameter cannot be empty: the request would go to another path")
    if not text.strip("."):
        return "%2E" * len(text)
    return quote(text, safe="")


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port: where credentials may go (RFC 6454)."""
    return url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme)


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool):  # JSON has booleans: `encode` spells them out only for query strings and headers
        return value
    return encode(value)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def parse(kind: Any, data: Any) -> Any:
    if kind is Any or kind is None:
        return data
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter.validate_python(data)


def rebase(url: str, default_base_url: str, base_url: str) -> str:
    """An operation's own server (or a token URL) moved to the caller's host when the caller moved the API
    (a mock, a regional host): only URLs on the default host move, keeping their own path."""
    default, chosen, own = urlsplit(default_base_url), urlsplit(base_url), urlsplit(url)
    if own.netloc != default.netloc or (chosen.scheme, chosen.netloc) == (default.scheme, default.netloc):
        return url
    return urlunsplit((chosen.scheme, chosen.netloc, own.path, own.query, own.fragment))


def described(request: httpx.Request) -> str:
    return redact(f"{request.method} {request.url}")


class BaseClient:
    """What the sync and async clients share: request building, response handling, paging state."""

    def __init__(
        self,
        base_url: str,
        default_base_url: str,
        credentials: Credentials,
        error_shape: ErrorShape,
        headers: Mapping[str, str] | None,
        retry: Retry,
        rate_limiter: RateLimiter | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._default_base_url = default_base_url
        self._credentials = credentials
        self._error_shape = error_shape
        self._headers = dict(headers or {})
        self._retry = retry
        self._limiter = rate_limiter
        self._servers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, credentials={self._credentials!r})"

    def _url(self, operation: Operation) -> str:
        if operation.server is None:
            return self.base_url
        url = self._servers.get(operation.operation_id)
        if url is None:
            url = self._servers[operation.operation_id] = rebase(
                operation.server, self._default_base_url, self.base_url
            ).rstrip("/")
        return url

    def _build(
        self,
        operation: Operation,
        path: str,
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        params = {k: encode(v) for k, v in query.items() if v is not None}
        sent_headers = self._headers.copy()
        for k, v in headers.items():
            if v is not None:
                sent_headers[k] = str(encode(v))
        request: dict[str, Any] = {
            "method": operation.method,
            "url": self._url(operation) + path,
            "params": params,
            "headers": sent_headers,
        }
        if json_body is not None:
            request["json"] = jsonable(json_body)
        if form:
            request["data"] = {k: encode(v) for k, v in form.items() if v is not None}
        if files:
            request["files"] = {k: v for k, v in files.items() if v is not None}
        return request

    def _authorize(self, operation: Operation, request: dict[str, Any]) -> dict[str, Any]:
        cookies: dict[str, str] = {}
        self._credentials.apply(operation.security, request["params"], request["headers"], cookies)
        if cookies:
            request["cookies"] = cookies
        return request

    def _redirected(self, operation: Operation, request: dict[str, Any], response: httpx.Response) -> dict[str, Any]:
        """The request to send after a redirect to the same origin (the credentials go with it, applied afresh).

        A redirect to another origin is not followed and raises RedirectError: following it would hand the
        vendor's credentials (header, query key, basic, bearer or cookie) to a host the caller never chose,
        and following it without them would only fail there."""
        sent = response.request.url
        target = sent.join(response.headers["location"])  # httpx has refused a Location that is no URL
        if origin(target) != origin(sent):
            raise self._redirect_error(operation, response, target, "to another origin, where credentials must not go")
        where = redact(str(target.copy_with(query=None)))
        logger.info("%s: HTTP %d, following the redirect to %s", operation.operation_id, response.status_code, where)
        method = request["method"]
        # 303, and 301/302 after anything but GET/HEAD, become a GET without a body, as in browsers and httpx;
        # 307 and 308 repeat the request as it was.
        keeps_body = response.status_code in (307, 308) or method in ("GET", "HEAD")
        follow = {key: value for key, value in request.items() if keeps_body or key not in ("json", "data", "files")}
        follow["method"] = method if keeps_body else "GET"
        follow["url"] = str(target)
        follow["params"] = {}  # the Location carries the query; _authorize puts a query key back
        follow["headers"] = dict(request["headers"])
        follow.pop("cookies", None)
        return follow

    def _redirect_error(
        self, operation: Operation, response: httpx.Response, target: httpx.URL | str, why: str
    ) -> RedirectError:
        location = redact(str(target))
        error = RedirectError(
            response.status_code,
            None,
            f"not following the redirect {why}: {location}",
            self._request_id(response),
            response.text,
            operation.operation_id,
            described(response.request),
        )
        error.location = location
        return error

    def _retry_delay(self, operation: Operation, attempt: int, response: httpx.Response | None) -> float | None:
        if response is not None and response.status_code not in self._retry.statuses:
            return None
        retry_after = response.headers.get("retry-after") if response is not None else None
        delay = self._retry.delay(attempt, operation.idempotent, retry_after)
        if delay is not None:
            reason = f"HTTP {response.status_code}" if response is not None else "no answer"
            logger.info("%s: %s, try %d again in %.2fs", operation.operation_id, reason, attempt + 1, delay)
        return delay

    # --- answers -------------------------------------------------------------------------------

    def _payload(self, operation: Operation, response: httpx.Response, binary: bool = False) -> Any:
        """The decoded body of a successful answer whose envelope (if any) says success; raises otherwise."""
        if not response.is_success:
            raise self._error(operation, response)
        if binary:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        body = response.json()
        envelope = operation.envelope
        if envelope is not None and isinstance(body, dict):
            failed = envelope.success is not None and body.get(envelope.success) is False
            code = body.get(envelope.code) if envelope.code is not None else None
            if isinstance(code, int) and not isinstance(code, bool) and not 200 <= code < 300:
                failed = True
            if failed:
                message = body.get(envelope.message) if envelope.message else None
                raise EnvelopeError(
                    response.status_code,
                    code,
                    str(message or "the vendor reported a failure"),
                    self._request_id(response),
                    body,
                    operation.operation_id,
                    described(response.request),
                )
        return body

    def _handle(self, operation: Operation, response: httpx.Response, returns: Any) -> Any:
        body = self._payload(operation, response, returns is bytes)
        envelope = operation.envelope
        if envelope is not None and envelope.data is not None and isinstance(body, dict):
            body = body.get(envelope.data)
        return parse(returns, body)

    def _page(self, operation: Operation, response: httpx.Response, item_list: Any) -> list[Any]:
        body = self._payload(operation, response)
        paging = operation.paging
        raw = body.get(paging.items) if paging is not None and paging.items and isinstance(body, dict) else body
        if raw is None:
            return []
        items: list[Any] = parse(item_list, raw)
        return items

    @staticmethod
    def _network_error(operation: Operation, request: dict[str, Any], exc: Exception) -> NetworkError:
        where = redact(f"{operation.method} {httpx.URL(request['url'], params=request['params'])}")
        return NetworkError(operation.operation_id, where, redact(str(exc)) or type(exc).__name__)

    @staticmethod
    def _request_id(response: httpx.Response) -> str | None:
        for name in REQUEST_ID_HEADERS:
            value: str | None = response.headers.get(name)
            if value:
                return value
        return None

    def _error(self, operation: Operation, response: httpx.Response) -> ApiError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        code = message = None
        if isinstance(body, dict):
            if self._error_shape.code_field:
                code = body.get(self._error_shape.code_field)
            if self._error_shape.message_field:
                message = body.get(self._error_shape.message_field)
        error = error_class(response.status_code)(
            response.status_code,
            code,
            redact(str(message or response.reason_phrase)),
            self._request_id(response),
            body,
            operation.operation_id,
            described(response.request),
        )
        if isinstance(error, RateLimitError) and "retry-after" in response.headers:
            error.retry_after = parse_retry_after(response.headers["retry-after"])
        return error


class PageCursor:
    """Where the next page starts, for limit/offset or page/size paging, and when to stop.

    A page shorter than the requested size (or, with no size asked for, than the first page) is the
    last; so is an empty page. A page identical to the one before (a server ignoring the paging) is not
    yielded: see `repeats`.
    """

    def __init__(self, paging: Paging, params: dict[str, Any]) -> None:
        self.paging = paging
        self.params = params
        if paging.style == "offset":
            self.position_key = paging.offset
            size_key = paging.limit
            start = 0
        else:
            self.position_key = paging.page
            size_key = paging.size
            start = 1
        self.size = int(params[size_key]) if size_key and params.get(size_key) is not None else None
        key = self.position_key
        self.position = int(params[key]) if key and params.get(key) is not None else start
        self.previous: list[Any] | None = None
        self.pages = 0  # pages moved past

    def repeats(self, operation: Operation, items: list[Any]) -> bool:
        """Whether `items`, a page after the first, is the page before it again: the server ignored the paging
        parameters. The iterator then stops before yielding anything twice, and says so in a warning: what it
        yielded is every item the server sent once, which may not be the whole list."""
        if self.previous is None or items != self.previous:
            return False
        logger.warning(
            "%s: the server answered `%s=%s` with the same items as the page before; it ignores the paging, "
            "so the iteration stops after %d distinct page(s)",
            operation.operation_id,
            self.position_key,
            self.position,
            self.pages,
        )
        return True

    def advance(self, items: list[Any]) -> bool:
        """Moves to the next page after `items`; False when there is none."""
        if not items or self.position_key is None:
            return False
        if self.size is None:
            self.size = len(items)
        if len(items) < self.size:
            return False
        self.previous = items
        self.pages += 1
        self.position += len(items) if self.paging.style == "offset" else 1
        self.params[self.position_key] = self.position
        return True


class SendPolicy:
    """What one call does between attempts, for the sync and async send loops alike: the OAuth2 token to
    fetch, the rate limiter's wait, and after each attempt whether (and after how long) to try again."""

    def __init__(self, client: BaseClient, operation: Operation, request: dict[str, Any]) -> None:
        self.client, self.operation, self.request = client, operation, request
        self.attempt = 0
        self.refreshed = False
        self.redirects = 0
        self.source: TokenSource | None = None

    def next_attempt(self) -> TokenSource | None:
        """Starts an attempt; the token source whose token must be fetched first, if any."""
        self.attempt += 1
        self.source = self.client._credentials.token_source(self.operation.security)
        return self.source if self.source is not None and self.source.current() is None else None

    def rate_limit_wait(self) -> float:
        limiter = self.client._limiter
        return limiter.reserve() if limiter is not None else 0.0

    def after_failure(self, exc: httpx.TransportError) -> float:
        """The delay before retrying a request that never got an answer; raises when it is not retried."""
        delay = self.client._retry_delay(self.operation, self.attempt, None)
        if delay is None:
            raise self.client._network_error(self.operation, self.request, exc) from exc
        return delay

    def redirected(self, response: httpx.Response) -> bool:
        """Whether `response` is a redirect to follow; `request` is then the one to send next. Raises RedirectError
        for one to another origin, or after MAX_REDIRECTS."""
        if not response.has_redirect_location:
            return False
        self.redirects += 1
        if self.redirects > MAX_REDIRECTS:
            location = response.headers["location"]
            raise self.client._redirect_error(self.operation, response, location, f"after {MAX_REDIRECTS} redirects")
        self.request = self.client._redirected(self.operation, self.request, response)
        self.attempt -= 1  # a redirect is not a failed attempt
        return True

    def after_response(self, response: httpx.Response) -> float | None:
        """None to return the response; else the delay before trying again (the response is then closed)."""
        if response.status_code == 401 and self.source is not None and not self.refreshed:
            self.source.invalidate()  # the vendor dropped the token early: fetch a new one, once
            self.refreshed = True
            self.attempt -= 1
            return 0.0
        if response.status_code in self.client._retry.statuses:
            return self.client._retry_delay(self.operation, self.attempt, response)
        return None


class SyncBase(BaseClient):
    """Sending for the synchronous client: rate limit, OAuth2 token, retries with backoff."""

    _http: httpx.Client

    def _send(self, operation: Operation, request: dict[str, Any]) -> httpx.Response:
        call = SendPolicy(self, operation, request)
        while True:
            source = call.next_attempt()
            if source is not None:
                self._fetch_token(source)
            if wait := call.rate_limit_wait():
                time.sleep(wait)
            try:
                response = self._http.request(**self._authorize(operation, call.request))
            except httpx.TransportError as exc:
                time.sleep(call.after_failure(exc))
                continue
            if call.redirected(response):
                response.close()
                continue
            delay = call.after_response(response)
            if delay is None:
                return response
            response.close()
            if delay:
                time.sleep(delay)

    def _fetch_token(self, source: TokenSource) -> None:
        with source.lock:
            if source.current() is None:
                url = rebase(source.token_url, self._default_base_url, self.base_url)
                try:
                    response = self._http.request(**{**source.request(), "url": url})
                except httpx.TransportError as exc:
                    raise NetworkError("oauth2_token", f"POST {url}", str(exc)) from exc
                source.accept(response)

    def _call(self, operation: Operation, request: dict[str, Any], returns: Any) -> Any:
        return self._handle(operation, self._send(operation, request), returns)

    def _iterate(self, operation: Operation, request: dict[str, Any], item_list: Any) -> Iterator[Any]:
        assert operation.paging is not None
        cursor = PageCursor(operation.paging, request["params"])
        while True:
            items = self._page(operation, self._send(operation, request), item_list)
            if cursor.repeats(operation, items):
                return
            yield from items
            if not cursor.advance(items):
                return


class AsyncBase(BaseClient):
    """Sending for the asynchronous client; the same policy as `SyncBase`, awaited."""

    _http: httpx.AsyncClient

    async def _send(self, operation: Operation, request: dict[str, Any]) -> httpx.Response:
        call = SendPolicy(self, operation, request)
        while True:
            source = call.next_attempt()
            if source is not None:
                await self._fetch_token(source)
            if wait := call.rate_limit_wait():
                await asyncio.sleep(wait)
            try:
                response = await self._http.request(**self._authorize(operation, call.request))
            except httpx.TransportError as exc:
                await asyncio.sleep(call.after_failure(exc))
                continue
            if call.redirected(response):
                await response.aclose()
                continue
            delay = call.after_response(response)
            if delay is None:
                return response
            await response.aclose()
            if delay:
                await asyncio.sleep(delay)

    async def _fetch_token(self, source: TokenSource) -> None:
        locks = self.__dict__.setdefault("_token_locks", {})
        lock = locks.setdefault(id(source), asyncio.Lock())
        async with lock:
            if source.current() is None:
                url = rebase(source.token_url, self._default_base_url, self.base_url)
                try:
                    response = await self._http.request(**{**source.request(), "url": url})
                except httpx.TransportError as exc:
                    raise NetworkError("oauth2_token", f"POST {url}", str(exc)) from exc
                source.accept(response)

    async def _call(self, operation: Operation, request: dict[str, Any], returns: Any) -> Any:
        return self._handle(operation, await self._send(operation, request), returns)

    async def _iterate(self, operation: Operation, request: dict[str, Any], item_list: Any) -> AsyncIterator[Any]:
        assert operation.paging is not None
        cursor = PageCursor(operation.paging, request["params"])
        while True:
            items = self._page(operation, await self._send(operation, request), item_list)
            if cursor.repeats(operation, items):
                return
            for item in items:
                yield item
            if not cursor.advance(items):
                return
