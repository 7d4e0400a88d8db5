"""The generated VoIPcloud client against the generated server, in-process."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.helpers import MOCK_KEY, package, sync_transport


def client(**kwargs: Any) -> Any:
    pkg = package("voipcloud")
    app = package("voipcloud", "server").create_app()
    return pkg.Client(base_url="http://mock", transport=sync_transport(app), **kwargs)


def test_token_header_gets_typed_models() -> None:
    models = package("voipcloud", "models")
    with client(token=MOCK_KEY) as api:
        calls = api.list_user_calls(limit=10)
    # the {code, message, data} envelope is unwrapped: the method returns the typed `data`
    assert isinstance(calls, list)
    assert isinstance(calls[0], models.UserCall)
    assert calls[0].call_duration == 95


def test_deprecated_query_key_still_works() -> None:
    with client(api_key=MOCK_KEY) as api:
        status = api.get_system_status()
    assert status.status == "operational"


def test_wrong_token_raises_api_error_in_vendor_shape() -> None:
    pkg = package("voipcloud")
    with client(token="wrong-secret-value") as api, pytest.raises(pkg.ApiError) as caught:
        api.list_queue_calls()
    error = caught.value
    assert error.status == 401 and error.code == 401
    assert error.body["code"] == 401 and isinstance(error.body["message"], str)
    assert "wrong-secret-value" not in str(error) + repr(error) + repr(api)


def test_invalid_parameter_is_vendor_400() -> None:
    pkg = package("voipcloud")
    with client(token=MOCK_KEY) as api, pytest.raises(pkg.ApiError) as caught:
        api.list_ringgroup_calls(limit=10001)
    assert caught.value.status == 400 and "limit" in caught.value.message


def test_async_client() -> None:
    pkg = package("voipcloud")
    app = package("voipcloud", "server").create_app()

    async def go() -> Any:
        async with pkg.AsyncClient(base_url="http://m", token=MOCK_KEY, transport=httpx.ASGITransport(app=app)) as api:
            return await api.call_to_number(user_number="101", number_to_call="61290001234")

    assert asyncio.run(go()) is None  # the envelope's data is null on success


def test_prefer_header_picks_response() -> None:
    app = package("voipcloud", "server").create_app()
    with httpx.Client(transport=sync_transport(app), base_url="http://m") as http:
        response = http.get("/api/integration/v1/get-system-status", headers={"token": MOCK_KEY, "Prefer": "code=404"})
    assert response.status_code == 404 and response.json()["code"] == 404


def test_unknown_path_and_method_are_vendor_shaped() -> None:
    app = package("voipcloud", "server").create_app()
    with httpx.Client(transport=sync_transport(app), base_url="http://m") as http:
        missing = http.get("/nope")
        wrong_method = http.delete("/api/integration/v1/get-system-status")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["allow"]
