"""Client behaviour the vendor sweep does not pin down: OAuth2 token flow, backoff, opt-in retries,
network errors, envelopes, the rate limiter, webhook events, typing markers and exports."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
import traceback
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.client.harness import VENDORS, Recorder, vendor
from tests.helpers import GENERATED, MOCK_KEY, package

BASE = "http://mock"


def json_transport(handler: Any) -> httpx.MockTransport:
    """A MockTransport from handler(request) -> (status, body, headers)."""

    def respond(request: httpx.Request) -> httpx.Response:
        status, body, headers = handler(request)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(respond)


# --- OAuth2 client credentials ---------------------------------------------------------------


def token_app() -> tuple[Any, Any]:
    """Telphin's mock, signing in the OAuth2 clients `cid` and `c` (secrets `csecret-9d2e` and `s`)."""
    v = vendor("telphin")
    config = package("telphin", "_mock").MockConfig(clients={"cid": "csecret-9d2e", "c": "s"})
    return v, Recorder(v.app(config=config))


def test_oauth2_client_credentials_fetch_once_then_reuse() -> None:
    v, recorder = token_app()
    with v.client(recorder, oauth2_client_id="cid", oauth2_client_secret="csecret-9d2e") as api:
        api.list_registration_statuses()
        api.list_registration_statuses()
        token = api._credentials._sources["oauth2"].current()
        shown = repr(api) + repr(api._credentials)
    assert len(recorder.calls("/oauth/token")) == 1
    assert len(recorder.calls("/registration/")) == 2
    assert token and "csecret-9d2e" not in shown and token not in shown


def test_oauth2_token_request_by_grant() -> None:
    auth = package("telphin", "_auth")
    credentials = auth.TokenSource("https://h/token", "cid", "csecret").request()["data"]
    assert credentials == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"}
    source = auth.TokenSource("https://h/token", "cid", "", username="ada", password="pw-7f3e1")
    assert source.request()["data"] == {
        "grant_type": "password",
        "client_id": "cid",
        "username": "ada",
        "password": "pw-7f3e1",
    }
    assert "pw-7f3e1" not in repr(source) and "pw-7f3e1" not in repr(source.__dict__)


def test_oauth2_password_grant_signs_in_with_json_and_sends_the_bearer_token() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> Any:
        if request.url.path == "/ns-api/v2/tokens":
            assert request.headers["content-type"] == "application/json"
            sent.append(json.loads(request.content))
            return 200, {"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}, {}
        assert request.headers["authorization"] == "Bearer tok-1"
        return 200, [], {}

    pkg = package("netsapiens")
    with pkg.Client(
        base_url="https://pbx.example.net/ns-api/v2",
        transport=json_transport(handler),
        oauth2_client_id="portal",
        oauth2_client_secret="cs-41d2",
        oauth2_username="1001@example.com",
        oauth2_password="pw-9c1b",
    ) as api:
        api.list_resellers()
        api.list_resellers()
        shown = repr(api) + repr(api._credentials)
    assert sent == [
        {
            "grant_type": "password",
            "client_id": "portal",
            "username": "1001@example.com",
            "password": "pw-9c1b",
            "client_secret": "cs-41d2",
        }
    ]
    assert "pw-9c1b" not in shown and "cs-41d2" not in shown and "tok-1" not in shown


def test_oauth2_token_about_to_expire_is_refreshed() -> None:
    fetched: list[str] = []

    def handler(request: httpx.Request) -> Any:
        if request.url.path == "/oauth/token":
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            assert form["grant_type"] == "client_credentials" and form["client_secret"] == "s3"
            fetched.append(f"t{len(fetched)}")
            return 200, {"access_token": fetched[-1], "token_type": "bearer", "expires_in": 0.02}, {}
        assert request.headers["authorization"] == f"Bearer {fetched[-1]}"
        return 200, [], {}

    pkg = package("telphin")
    with pkg.Client(
        base_url=BASE, transport=json_transport(handler), oauth2_client_id="c", oauth2_client_secret="s3"
    ) as api:
        api.list_registration_statuses()
        api.list_registration_statuses()  # well inside the lifetime: the same token
        time.sleep(0.02)
        api.list_registration_statuses()  # past half of a lifetime shorter than the margin: a new one
    assert fetched == ["t0", "t1"]


def test_oauth2_token_rejected_early_is_fetched_again_once() -> None:
    tokens: list[str] = []
    rejected: list[str] = []

    def handler(request: httpx.Request) -> Any:
        if request.url.path == "/oauth/token":
            tokens.append(f"t{len(tokens)}")
            return 200, {"access_token": tokens[-1], "expires_in": 3600}, {}
        if request.headers["authorization"] == "Bearer t0":
            rejected.append("t0")
            return 401, {"message": "token expired"}, {}
        return 200, [], {}

    pkg = package("telphin")
    with pkg.Client(
        base_url=BASE, transport=json_transport(handler), oauth2_client_id="c", oauth2_client_secret="s"
    ) as api:
        assert api.list_registration_statuses() == []
    assert tokens == ["t0", "t1"] and rejected == ["t0"]


def test_oauth2_refused_credentials_raise_authentication_error_without_the_secret() -> None:
    def handler(request: httpx.Request) -> Any:
        return 401, {"error": "invalid_client", "error_description": "bad client"}, {}

    pkg = package("telphin")
    client = pkg.Client(
        base_url=BASE, transport=json_transport(handler), oauth2_client_id="c", oauth2_client_secret="hide-me-77"
    )
    with client as api, pytest.raises(pkg.AuthenticationError) as caught:
        api.list_registration_statuses()
    assert caught.value.message == "bad client"
    assert "hide-me-77" not in "".join(traceback.format_exception(caught.value)) + repr(caught.value)


def test_oauth2_token_url_follows_a_moved_base_url() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> Any:
        paths.append(str(request.url))
        if request.url.path == "/oauth/token":
            return 200, {"access_token": "t", "expires_in": 3600}, {}
        return 200, [], {}

    pkg = package("telphin")
    with pkg.Client(
        base_url="http://127.0.0.1:9/api/ver1.0",
        transport=json_transport(handler),
        oauth2_client_id="c",
        oauth2_client_secret="s",
    ) as api:
        api.list_registration_statuses()
    assert paths[0] == "http://127.0.0.1:9/oauth/token"
    assert paths[1].startswith("http://127.0.0.1:9/api/ver1.0/extension/registration/")


def test_async_oauth2() -> None:
    v, recorder = token_app()

    async def go() -> None:
        async with v.async_client(recorder, oauth2_client_id="c", oauth2_client_secret="s") as api:
            await asyncio.gather(api.list_registration_statuses(), api.list_registration_statuses())

    asyncio.run(go())
    assert len(recorder.calls("/oauth/token")) == 1


def test_basic_auth_is_encoded_and_the_password_redacted() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> Any:
        seen.append(request.headers["authorization"])
        return 404, {"message": "no such record"}, {}

    pkg = package("telphin")
    with (
        pkg.Client(base_url=BASE, transport=json_transport(handler), basic_auth=("user", "pw-5c1b")) as api,
        pytest.raises(pkg.NotFoundError) as caught,
    ):
        api.download_record(extension_id="1", record_uuid="r")
    assert seen == ["Basic dXNlcjpwdy01YzFi"]
    assert "pw-5c1b" not in repr(api) + str(caught.value)


# --- retries -----------------------------------------------------------------------------------


def flaky(statuses: list[int], headers: dict[str, str] | None = None) -> tuple[httpx.MockTransport, list[str]]:
    methods: list[str] = []

    def handler(request: httpx.Request) -> Any:
        methods.append(request.method)
        status = statuses.pop(0) if statuses else 200
        body = {"code": 200, "message": "ok", "data": []} if status == 200 else {"code": status, "message": "busy"}
        return status, body, headers or {}

    return json_transport(handler), methods


def voip(transport: httpx.BaseTransport, **kwargs: Any) -> Any:
    return package("voipcloud").Client(base_url=BASE, transport=transport, token=MOCK_KEY, **kwargs)


def test_backoff_grows_exponentially_with_jitter(waits: list[float]) -> None:
    pkg = package("voipcloud")
    transport, methods = flaky([503, 503, 503])
    api = voip(transport, retry=pkg.Retry(attempts=4, backoff=1.0))
    assert api.list_user_calls() == []
    assert len(methods) == 4
    for wait, cap in zip(waits, (1.0, 2.0, 4.0), strict=True):
        assert cap / 2 <= wait <= cap


def test_retries_give_up_after_the_last_attempt_with_the_typed_error(waits: list[float]) -> None:
    pkg = package("voipcloud")
    transport, methods = flaky([429, 429, 429, 429], {"Retry-After": "1"})
    api = voip(transport)
    with pytest.raises(pkg.RateLimitError) as caught:
        api.list_user_calls()
    assert len(methods) == 3 and caught.value.retry_after == 1.0 and caught.value.code == 429


def test_retry_after_as_http_date(waits: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    transport, _ = flaky([503], {"Retry-After": when})
    api = voip(transport)
    api.list_user_calls()
    assert len(waits) == 1 and 3.0 <= waits[0] <= 5.0


def test_too_long_retry_after_is_not_waited_for() -> None:
    pkg = package("voipcloud")
    transport, methods = flaky([429], {"Retry-After": "900"})
    api = voip(transport)
    with pytest.raises(pkg.RateLimitError):
        api.list_user_calls()
    assert methods == ["GET"]


def test_post_is_not_retried_unless_the_caller_opts_in(waits: list[float]) -> None:
    pkg = package("voipcloud")
    transport, methods = flaky([503])
    with pytest.raises(pkg.ServerError):
        voip(transport).call_to_number(user_number="101", number_to_call="6129")
    assert methods == ["POST"]
    transport, methods = flaky([503])
    api = voip(transport, retry=pkg.Retry(non_idempotent=True))
    api.call_to_number(user_number="101", number_to_call="6129")
    assert methods == ["POST", "POST"]


def test_network_errors_are_retried_then_raised_as_network_error(waits: list[float]) -> None:
    pkg = package("callcenter")
    tries: list[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tries.append(1)
        raise httpx.ConnectError("connection refused", request=request)

    api = pkg.Client(base_url=BASE, transport=httpx.MockTransport(refuse), api_key="qs-key-3b7f")
    with pytest.raises(pkg.NetworkError) as caught:
        api.list_users()
    assert len(tries) == 3
    assert "qs-key-3b7f" not in str(caught.value) and "api_key=********" in caught.value.request


# --- envelopes ---------------------------------------------------------------------------------


def test_success_false_envelope_raises_envelope_error() -> None:
    pkg = package("callcenter")
    transport = json_transport(lambda r: (200, {"success": False, "msg": "Phone list is locked"}, {}))
    with pkg.Client(base_url=BASE, transport=transport, api_key="k") as api, pytest.raises(pkg.EnvelopeError) as caught:
        api.list_phone_lists()
    assert caught.value.status == 200 and caught.value.message == "Phone list is locked"


def test_envelope_code_outside_2xx_raises_even_on_http_200() -> None:
    pkg = package("voipcloud")
    transport = json_transport(lambda r: (200, {"code": 500, "message": "PBX unreachable", "data": []}, {}))
    with voip(transport) as api, pytest.raises(pkg.EnvelopeError) as caught:
        api.list_user_calls()
    assert caught.value.code == 500 and caught.value.message == "PBX unreachable"


def test_envelope_data_is_returned_typed() -> None:
    v = vendor("callcenter")
    models = package("callcenter", "models")
    with v.client(v.app(), api_key=MOCK_KEY) as api:
        listed = api.list_users()  # the stateful mock holds the users the spec's examples seed
        user = api.get_user(id=listed[0].id)
        whole = api.originate_call(destination="100")
    assert isinstance(user, models.User)
    # originate answers a uuid beside the envelope, so the whole (checked) answer is returned
    assert isinstance(whole, models.OriginateResult) and whole.success is True


# --- rate limiter ------------------------------------------------------------------------------


def test_rate_limiter_sliding_window() -> None:
    pkg = package("voipcloud")
    now = [0.0]
    limiter = pkg.RateLimiter(3, 10.0, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve() == 10.0  # the fourth waits for the first to leave the window
    now[0] = 4.0
    assert limiter.reserve() == 6.0  # and the fifth queues behind it, not at the same moment
    now[0] = 30.0
    assert limiter.reserve() == 0.0


def test_documented_vendor_limit_is_preloaded(waits: list[float]) -> None:
    pkg = package("voipcloud")
    client_module = package("voipcloud", "client")
    assert client_module.RATE_LIMIT == (100, 900)
    transport, methods = flaky([])
    api = voip(transport, rate_limit=True)
    for _ in range(101):
        api.list_user_calls()
    assert len(methods) == 101 and len(waits) == 1 and 899.0 < waits[0] <= 900.0
    with pytest.raises(ValueError, match="documents no rate limit"):
        package("netsapiens").Client(rate_limit=True)
    assert pkg.Client(rate_limit=pkg.RateLimiter(5, 1))._limiter.requests == 5


# --- webhooks ----------------------------------------------------------------------------------


def test_every_declared_webhook_example_parses_to_its_model() -> None:
    webhooks = package("callcenter", "webhooks")
    spec = vendor("callcenter").runtime
    assert len(webhooks.EVENTS) == 9
    from tests.conftest import read_spec

    for name, item in read_spec("callcenter")["webhooks"].items():
        op = item["post"]
        media = op["requestBody"]["content"]["application/json"]
        model = media["schema"]["$ref"].rsplit("/", 1)[-1]
        event = webhooks.parse_event(json.dumps(media["example"]).encode())
        assert type(event).__name__ == model, name
    assert spec["title"]


def test_unknown_or_invalid_events_are_rejected() -> None:
    webhooks = package("callcenter", "webhooks")
    with pytest.raises(webhooks.UnknownEventError):
        webhooks.parse_event({"event": "agent:teleported"})
    with pytest.raises(webhooks.UnknownEventError):
        webhooks.parse_event("[1, 2]")
    with pytest.raises(ValidationError):
        webhooks.parse_event({"event": "agent:checkin", "user_id": "not a number"})


def test_every_netsapiens_subscription_post_parses_by_the_subscriptions_model() -> None:
    """A NetSapiens post names no event: the receiver gives the model it subscribed with and gets the records."""
    webhooks = package("netsapiens", "webhooks")
    from tests.conftest import read_spec

    hooks = read_spec("netsapiens")["webhooks"]
    assert len(webhooks.EVENTS) == len(hooks) == 8 and webhooks.BATCHED == set(webhooks.EVENTS)
    for name, item in hooks.items():
        op = item["post"]
        media = op["requestBody"]["content"]["application/json"]
        model = media["schema"]["items"]["$ref"].rsplit("/", 1)[-1]
        event = op["x-voxspec-webhook-event"]["event"]
        twice = json.dumps(media["example"] * 2).encode()
        records = webhooks.parse_event(twice, model=event)
        assert [type(r).__name__ for r in records] == [model, model], name
        assert webhooks.parse_event(media["example"], model=event) == records[:1], "decoded JSON parses the same"


def test_a_netsapiens_post_of_the_wrong_kind_or_model_is_rejected() -> None:
    webhooks = package("netsapiens", "webhooks")
    assert webhooks.parse_event(b"[]", model="cdr") == []
    with pytest.raises(webhooks.UnknownEventError, match="JSON array"):
        webhooks.parse_event({"call-orig-user": "1001"}, model="call")
    with pytest.raises(webhooks.UnknownEventError, match="presence"):
        webhooks.parse_event(b"[]", model="presence")  # a model NetSapiens has, with no published shape
    with pytest.raises(ValidationError):
        webhooks.parse_event([{"call-orig-user": 1001}], model="call")


# --- packaging -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VENDORS)
def test_package_is_typed_and_exports_what_it_lists(name: str) -> None:
    pkg = package(name)
    assert (GENERATED / name / f"voxspec_{name}" / "py.typed").is_file()
    for export in pkg.__all__:
        assert hasattr(pkg, export), export
    assert issubclass(pkg.NotFoundError, pkg.ApiError) and issubclass(pkg.EnvelopeError, pkg.ApiError)


def test_client_logs_retries_without_secrets(caplog: pytest.LogCaptureFixture, waits: list[float]) -> None:
    caplog.set_level(logging.DEBUG)
    pkg = package("callcenter")
    transport, _ = flaky([503])
    api = pkg.Client(base_url=BASE, transport=transport, api_key="log-key-51aa")
    api.list_users()
    assert "try 2 again" in caplog.text and "log-key-51aa" not in caplog.text


def test_every_wire_form_of_a_secret_is_redacted() -> None:
    import base64
    from urllib.parse import quote, quote_plus

    auth = package("voipcloud", "_auth")
    pair = "ada:s3cret pass"
    kept = auth.Secret(pair)
    token = base64.b64encode(pair.encode()).decode()
    text = (
        f"{pair} | {quote(pair, safe='')} | {quote_plus(pair)} | Basic {token} | s3cret pass | {quote('s3cret pass')}"
    )
    cleaned = auth.redact(text)
    assert "s3cret" not in cleaned and token not in cleaned and cleaned.count(auth.REDACTED) == 6
    assert kept.get() == pair


def test_a_get_with_effects_is_not_retried_while_a_plain_get_is(waits: list[float]) -> None:
    """originate_call is a GET that places a phone call: retrying it after a 503 could place a second one."""
    pkg = package("callcenter")
    transport, methods = flaky([503])
    api = pkg.Client(api_key=MOCK_KEY, base_url=BASE, transport=transport)
    with pytest.raises(pkg.ServerError):
        api.originate_call(destination="6129", device_id=1)
    assert methods == ["GET"]
    transport, methods = flaky([503])
    api = package("callcenter").Client(api_key=MOCK_KEY, base_url=BASE, transport=transport)
    api.list_phone_lists()
    assert methods == ["GET", "GET"], "a GET without effects is retried"
