"""A user-provisioning job's tests against the NetSapiens mock: state, journal, queued answers, the clock, and the
call events its subscription receives."""

from __future__ import annotations

from typing import Any

import pytest
from voxspec_netsapiens import ApiError, Client, models


def provision(client: Client, domain: str, extension: str, first: str, last: str) -> str:
    """The application code under test: create a user, return its extension."""
    body = {
        "user": extension,
        "name-first-name": first,
        "name-last-name": last,
        "email-address": f"{first.lower()}@{domain}",
        "user-scope": "Basic User",
        "synchronous": "yes",
    }
    return client.create_user(domain=domain, body=body).user


def test_a_created_user_reads_back_and_the_journal_has_the_body(voxspec_mock: Any) -> None:
    mock = voxspec_mock("netsapiens")
    with mock.client() as client:
        assert provision(client, "example.com", "2001", "Ada", "Lovelace") == "2001"
        assert client.get_user(domain="example.com", user="2001").name_first_name == "Ada"
    [sent] = mock.journal(operation="create_user")
    assert sent["body"]["name-first-name"] == "Ada" and sent["path_params"] == {"domain": "example.com"}


def test_state_is_reset_and_can_be_loaded(voxspec_mock: Any) -> None:
    mock = voxspec_mock("netsapiens")
    with mock.client() as client:
        provision(client, "example.com", "2002", "Grace", "Hopper")
        snapshot = mock.state()
        mock.reset()
        with pytest.raises(ApiError) as caught:
            client.get_user(domain="example.com", user="2002")
        assert caught.value.status == 404
        mock.load_state(snapshot)
        assert client.get_user(domain="example.com", user="2002").name_last_name == "Hopper"


def test_a_queued_conflict_and_the_clock(voxspec_mock: Any) -> None:
    mock = voxspec_mock("netsapiens")
    mock.fail_next("create_user", status=409)
    with mock.client() as client, pytest.raises(ApiError) as caught:
        provision(client, "example.com", "2003", "Alan", "Turing")
    assert caught.value.status == 409
    assert mock.advance(90) == 90


class CallLog:
    """The application's webhook endpoint (an ASGI app): keeps each call event posted to it, by path."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, models.ActiveCall]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.calls.append((scope["path"], models.ActiveCall.model_validate_json(body)))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def subscribe(client: Client, domain: str, url: str) -> None:
    """The application code under test: subscribe its endpoint to the domain's call events."""
    client.create_subscription(body={"synchronous": "yes", "model": "call", "domain": domain, "post-url": url})


def test_call_events_of_the_subscribed_domain_reach_the_app(voxspec_mock: Any) -> None:
    mock = voxspec_mock("netsapiens")
    app = CallLog()
    with mock.client() as client:
        subscribe(client, "example.com", "http://app.test/netsapiens/calls")
    sent = mock.emit("call", {"call-orig-user": "1001"}, app=app, filter={"domain": "example.com"})
    assert [(d["url"], d["status"]) for d in sent["deliveries"]] == [("http://app.test/netsapiens/calls", 204)]
    [(path, call)] = app.calls
    assert path == "/netsapiens/calls" and call.call_orig_user == "1001"
