"""A provisioning job's tests against the Telphin mock: happy path, retried 503, surfaced 404, journal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from voxspec_telphin import ApiError, Client, NetworkError


def add_agent(client: Client, extension_id: str, name: str) -> int:
    """The application code under test: add an agent and return its id."""
    agent = client.create_agent(extension_id=extension_id, body={"name": name})
    if agent.id is None:
        raise ValueError("Telphin answered an agent without an id")
    return agent.id


def test_happy_path_and_what_was_sent(voxspec_mock: Any) -> None:
    mock = voxspec_mock("telphin")
    with mock.client() as client:
        agent_id = add_agent(client, "77", "Ada")
        assert client.get_agent(extension_id="77", agent_id=agent_id).name == "Ada"
    [sent] = mock.journal(operation="create_agent")
    assert sent["body"]["name"] == "Ada" and sent["path_params"] == {"extension_id": "77"}
    assert sent["status"] == 201


def test_a_503_is_retried(voxspec_mock: Any) -> None:
    mock = voxspec_mock("telphin")
    mock.fail_next("list_registration_statuses", status=503, times=2)
    with mock.client() as client:
        client.list_registration_statuses()
    assert [e["status"] for e in mock.journal("list_registration_statuses")] == [503, 503, 200]


def test_a_404_is_surfaced(voxspec_mock: Any) -> None:
    with voxspec_mock("telphin").client() as client, pytest.raises(ApiError) as caught:
        client.get_agent(extension_id="77", agent_id=424242)
    assert caught.value.status == 404


def test_each_test_starts_from_the_seed(voxspec_mock: Any) -> None:
    mock = voxspec_mock("telphin")
    assert mock.journal() == []
    with mock.client() as client:
        assert all(agent.name != "Ada" for agent in client.list_agents(extension_id="77"))


def test_code_with_its_own_http_calls_gets_a_loopback_port(voxspec_mock: Any) -> None:
    mock = voxspec_mock("telphin", listen=True)
    assert mock.base_url.startswith("http://127.0.0.1:")
    answer = httpx.get(mock.base_url + "/extension/registration/", headers={"Authorization": "Bearer voxspec-mock-key"})
    assert answer.status_code == 200
    assert [e["operation"] for e in mock.journal()] == ["list_registration_statuses"]
    mock.queue("list_registration_statuses", drop=True, times=3)
    with mock.client() as client, pytest.raises(NetworkError):
        client.list_registration_statuses()
