"""A contact-centre app's tests against the call-center mock: webhook events received, calls journaled."""

from __future__ import annotations

from typing import Any

from voxspec_callcenter.webhooks import parse_event

CALL = "0b6e3a52-8f0e-4c2a-9d43-5f1e2b7c9a10"


class Receiver:
    """The application's webhook endpoint (an ASGI app), keeping the events it parsed."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.events.append(parse_event(body))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


def test_an_answered_call_reaches_the_app(voxspec_mock: Any) -> None:
    mock = voxspec_mock("callcenter")
    receiver = Receiver()
    sent = mock.emit("call:answer", {"call_id": CALL, "dst_num": "15550001"}, app=receiver)
    assert sent["status"] == 200
    [event] = receiver.events
    assert str(event.call_id) == CALL and event.dst_num == "15550001"


def test_calls_the_app_places_are_journaled(voxspec_mock: Any) -> None:
    mock = voxspec_mock("callcenter")
    with mock.client() as client:
        client.list_users(q="anna")
    [call] = mock.journal("list_users")
    assert call["query"]["q"] == "anna" and call["status"] == 200
