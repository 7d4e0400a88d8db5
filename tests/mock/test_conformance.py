"""Conformance scenarios: what a real integration does end to end, through each vendor's generated client,
against its mock. Each test is named after the user story it proves.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.client.harness import Vendor, vendor
from tests.helpers import package

ACCOUNT = "ABCDEF"  # Avaya's example account: the spec's own path example


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[Any]:
    v: Vendor = vendor(request.param)
    with v.client(v.app(), **v.auth()) as client:
        yield client


def dump(model: Any) -> dict[str, Any]:
    return dict(model.model_dump(by_alias=True, exclude_none=True))


def not_found(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except Exception as error:  # the client's typed error; its status says what the vendor answered
        return getattr(error, "status", None) == 404
    return False


def status_of(call: Any, **kwargs: Any) -> int | None:
    try:
        call(**kwargs)
    except Exception as error:
        return getattr(error, "status", None)
    return 200


# -- NetSapiens ------------------------------------------------------------------------------------------
SYNC = {"synchronous": "yes"}
PERSON = {
    "name-first-name": "Ada",
    "name-last-name": "Lovelace",
    "email-address": "ada@example.com",
    "user-scope": "Basic User",
}


@pytest.mark.parametrize("api", ["netsapiens"], indirect=True)
def test_an_office_manager_adds_a_user_pages_through_users_and_removes_the_user(api: Any) -> None:
    api.create_domain(body=SYNC | {"domain": "office.example", "reseller": "acme-telecom"})
    for n in range(3):
        made = api.create_user(domain="office.example", body=SYNC | PERSON | {"user": f"10{n}"})
        assert dump(made)["user"] == f"10{n}" and dump(made)["domain"] == "office.example"
    assert dump(api.get_user(domain="office.example", user="101"))["name-first-name"] == "Ada"
    paged = [dump(u)["user"] for u in api.iter_list_users(domain="office.example", limit=1)]
    assert paged == ["100", "101", "102"]
    # user updates and deletes answer 202 only (the published document offers no synchronous option there)
    api.update_user(domain="office.example", user="101", body={"department": "Sales"})
    changed = api.get_user(domain="office.example", user="101")
    assert dump(changed)["department"] == "Sales" and dump(changed)["name-last-name"] == "Lovelace"
    api.delete_user(domain="office.example", user="101")
    assert not_found(api.get_user, domain="office.example", user="101")
    assert [dump(u)["user"] for u in api.list_users(domain="office.example")] == ["100", "102"]


@pytest.mark.parametrize("api", ["netsapiens"], indirect=True)
def test_two_tenants_each_see_only_their_own_users(api: Any) -> None:
    for tenant in ("tenant-a.example", "tenant-b.example"):
        api.create_domain(body=SYNC | {"domain": tenant, "reseller": "acme-telecom"})
        api.create_user(domain=tenant, body=SYNC | PERSON | {"user": "200"})
    api.update_user(domain="tenant-a.example", user="200", body={"department": "A only"})
    assert dump(api.get_user(domain="tenant-a.example", user="200"))["department"] == "A only"
    assert "department" not in dump(api.get_user(domain="tenant-b.example", user="200"))
    assert [dump(u)["domain"] for u in api.list_users(domain="tenant-b.example")] == ["tenant-b.example"]
    assert not_found(api.get_user, domain="nonexistent.example", user="200")


@pytest.mark.parametrize("api", ["netsapiens"], indirect=True)
def test_a_reseller_keeps_its_domains_and_cannot_be_deleted_while_it_has_them(api: Any) -> None:
    assert status_of(api.delete_reseller, reseller="acme-telecom") == 409
    assert dump(api.get_reseller(reseller="acme-telecom"))["reseller"] == "acme-telecom"
    assert status_of(api.create_domain, body=SYNC | {"domain": "example.com", "reseller": "acme-telecom"}) == 409


@pytest.mark.parametrize("api", ["netsapiens"], indirect=True)
def test_a_supervisor_sends_an_agent_to_lunch_and_back(api: Any) -> None:
    where = {"domain": "example.com", "callqueue": "2000", "agent": "1001@example.com"}
    api.login_agent(**where)
    api.set_agent_status(**where, status="Lunch")
    assert status_of(api.set_agent_status, **where | {"agent": "ghost@example.com"}, status="Lunch") == 404


# -- Telphin ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["telphin"], indirect=True)
def test_a_contact_centre_hires_an_agent_edits_and_retires_them(api: Any) -> None:
    made = dump(api.create_agent(extension_id="17", body={"name": "Ada", "call_timeout": 20}))
    agent = made["id"]
    assert dump(api.get_agent(extension_id="17", agent_id=agent)) == made
    assert made in [dump(a) for a in api.list_agents(extension_id="17")]
    changed = dump(api.update_agent(extension_id="17", agent_id=agent, body={"name": "Grace"}))
    assert changed["name"] == "Grace" and changed["id"] == agent
    api.delete_agent(extension_id="17", agent_id=agent)
    assert not_found(api.get_agent, extension_id="17", agent_id=agent)
    assert not_found(api.get_agent, extension_id="18", agent_id=17), "the seeded agent is extension 17's"


@pytest.mark.parametrize("api", ["telphin"], indirect=True)
def test_an_integrator_subscribes_to_events_beside_the_existing_one(api: Any) -> None:
    before = [dump(e) for e in api.list_events(extension_id="17")]
    body = {"url": "https://example.com/hook", "event_type": "hangup", "method": "POST"}
    made = dump(api.create_event(extension_id="17", body=body))
    after = [dump(e) for e in api.list_events(extension_id="17")]
    assert after == [*before, made]


@pytest.mark.parametrize("api", ["telphin"], indirect=True)
def test_a_client_pages_through_aliases_without_seeing_one_twice(api: Any) -> None:
    ids = [dump(a).get("id") for a in api.iter_list_aliases(extension_id="17", per_page=1)]
    assert ids and len(ids) == len(set(ids))


# -- Avaya -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["avaya"], indirect=True)
def test_an_administrator_sets_up_agent_locations_and_pages_through_them(api: Any) -> None:
    made = [
        dump(
            api.create_agent_location(
                account_id=ACCOUNT, body={"name": f"Site {n}", "isDialingRestrictionEnabled": False}
            )
        )
        for n in range(3)
    ]
    every = [dump(loc)["id"] for loc in api.iter_list_agent_locations(account_id=ACCOUNT, page_size=2)]
    assert len(every) == len(set(every)) and all(m["id"] in every for m in made)
    one = made[1]["id"]
    assert dump(api.get_agent_location(account_id=ACCOUNT, location_id=one))["name"] == "Site 1"
    body = {"name": "Site 1 renamed", "isDialingRestrictionEnabled": True}
    assert dump(api.update_agent_location(account_id=ACCOUNT, location_id=one, body=body))["name"] == "Site 1 renamed"
    api.delete_agent_location(account_id=ACCOUNT, location_id=one)
    assert not_found(api.get_agent_location, account_id=ACCOUNT, location_id=one)
    assert status_of(
        api.create_agent_location, account_id=ACCOUNT, body={"name": "Site 0", "isDialingRestrictionEnabled": False}
    ) in (400, 409)


def test_an_administrator_waits_for_an_element_to_be_configured() -> None:
    v = vendor("avaya")
    app = v.app(config=package("avaya", "_mock").MockConfig(control=True))
    body = {"name": "ACO", "environment": "Production", "didNumbers": ["+15550100"]}
    with v.client(app, **v.auth()) as api:
        accepted = dump(api.create_aco_element(account_id=ACCOUNT, body=body))
        assert accepted["status"] == "IN_PROGRESS"
        polled = dump(api.get_aco_element(account_id=ACCOUNT, element_id=accepted["elementId"]))
        assert polled["status"] == "IN_PROGRESS"
        app.state.voxspec_control.clock.offset += 2  # the administrator waits the spec's 2 seconds
        polled = dump(api.get_aco_element(account_id=ACCOUNT, element_id=accepted["elementId"]))
        assert polled["status"] == "SUCCESS"
        assert not_found(api.get_aco_element, account_id="SQVYVE", element_id=accepted["elementId"])


# -- Call centre -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["callcenter"], indirect=True)
def test_a_campaign_manager_loads_leads_into_a_list_and_drops_the_list(api: Any) -> None:
    made = api.create_phone_list(body={"name": "Spring"})
    phone_list = dump(made)["data"]["id"] if "data" in dump(made) else dump(made)["id"]
    for phone in ("15550001", "15550002"):
        api.create_leads(id=phone_list, body={"phone": phone})
    leads = api.list_leads(id=phone_list)
    phones = [dump(lead)["phone"] for lead in (leads if isinstance(leads, list) else dump(leads).get("data", []))]
    assert phones == ["15550001", "15550002"]
    api.delete_phone_list(id=phone_list)
    assert not_found(api.list_leads, id=phone_list)


# -- VoIPcloud -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["voipcloud"], indirect=True)
def test_a_reporting_job_pages_through_user_calls_once_each(api: Any) -> None:
    calls = [dump(c) for c in api.iter_list_user_calls(limit=1)]
    assert calls and len(calls) == len({str(sorted(c.items())) for c in calls})


# -- Signing in (OAuth2) ---------------------------------------------------------------------------------
CLIENT = {"client_id": "portal", "client_secret": "cs-41d2"}
USER = {"username": "1001@example.com", "password": "pw-9c1b"}


@contextmanager
def signed_in_mock(name: str, **config: Any) -> Iterator[Any]:
    """The vendor's MockServer knowing the client `portal` and the user `1001@example.com`."""
    settings = package(name, "_mock").MockConfig(
        clients={CLIENT["client_id"]: CLIENT["client_secret"]}, users={USER["username"]: USER["password"]}, **config
    )
    with package(name, "testing").MockServer(config=settings) as server:
        yield server


def holding(mock: Any, token: str) -> dict[str, Any]:
    """Client keywords of an app that sends `token` and no key of the mock's."""
    return dict.fromkeys(mock.credentials()) | {"oauth2": token}


def signing_in(mock: Any, token_path: str) -> dict[str, Any]:
    """Client keywords of an app that signs itself in: no key, its OAuth2 credentials, the mock's token URL."""
    return dict.fromkeys(mock.credentials()) | {
        "oauth2_client_id": CLIENT["client_id"],
        "oauth2_client_secret": CLIENT["client_secret"],
        "oauth2_token_url": mock.root_url + token_path,
    }


def calls(mock: Any) -> list[tuple[str, int]]:
    return [(entry["operation"], entry["status"]) for entry in mock.journal()]


def test_a_netsapiens_app_signs_in_with_a_users_password_and_its_calls_are_accepted() -> None:
    with signed_in_mock("netsapiens") as mock:
        keywords = signing_in(mock, "/ns-api/v2/tokens") | {"oauth2_username": USER["username"]}
        with mock.client(**keywords, oauth2_password=USER["password"]) as api:
            assert dump(api.get_domain(domain="example.com"))["domain"] == "example.com"
        assert calls(mock) == [("create_token", 200), ("get_domain", 200)]
        token_request = mock.journal("create_token")[0]
        assert token_request["body"]["grant_type"] == "password" and token_request["body"]["password"] != "pw-9c1b"


def test_a_netsapiens_v1_app_signs_in_through_the_form_encoded_token_endpoint() -> None:
    with signed_in_mock("netsapiens") as mock:
        with mock.client() as api:
            token = dump(api.create_oauth2_token(**CLIENT, **USER))
        assert token["username"] == USER["username"] and token["expires_in"] == 3600
        with mock.client(**holding(mock, token["access_token"])) as api:
            assert isinstance(api.list_resellers(), list)
        assert calls(mock) == [("create_oauth2_token", 200), ("list_resellers", 200)]


@pytest.mark.parametrize("wrong", [{"password": "nope"}, {"client_secret": "nope"}])
def test_a_netsapiens_sign_in_with_a_wrong_secret_gets_the_vendors_401_and_no_token(wrong: dict[str, str]) -> None:
    errors = package("netsapiens", "_errors")
    with signed_in_mock("netsapiens") as mock, mock.client() as api:
        with pytest.raises(errors.AuthenticationError) as refused:
            api.create_token(body={"grant_type": "password", **CLIENT, **USER, **wrong})
        assert refused.value.status == 401 and refused.value.body["code"] == 401
        assert "access_token" not in refused.value.body
        keywords = signing_in(mock, "/ns-api/v2/tokens") | {"oauth2_username": USER["username"]}
        keywords |= {"oauth2_password": USER["password"]} | {f"oauth2_{k}": v for k, v in wrong.items()}
        with mock.client(**keywords) as app:
            with pytest.raises(errors.AuthenticationError):
                app.list_resellers()
        assert ("list_resellers", 200) not in calls(mock)


def test_a_netsapiens_token_lapses_when_it_expires_and_the_refresh_token_gets_a_new_one() -> None:
    errors = package("netsapiens", "_errors")
    with signed_in_mock("netsapiens") as mock, mock.client() as api:
        first = dump(api.create_token(body={"grant_type": "password", **CLIENT, **USER}))
        with mock.client(**holding(mock, first["access_token"])) as holder:
            assert isinstance(holder.list_resellers(), list)
            mock.advance(first["expires_in"] - 1)
            assert isinstance(holder.list_resellers(), list), "still valid a second before it expires"
            mock.advance(2)
            with pytest.raises(errors.AuthenticationError) as lapsed:
                holder.list_resellers()
            assert lapsed.value.body["code"] == 401
        renewal = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **CLIENT}
        second = dump(api.create_token(body=renewal))
        assert second["access_token"] != first["access_token"]
        with mock.client(**holding(mock, second["access_token"])) as holder:
            assert isinstance(holder.list_resellers(), list)


def test_a_long_running_netsapiens_integration_signs_in_again_once_its_token_has_expired() -> None:
    with signed_in_mock("netsapiens") as mock:
        keywords = signing_in(mock, "/ns-api/v2/tokens") | {"oauth2_username": USER["username"]}
        with mock.client(**keywords, oauth2_password=USER["password"]) as api:
            api.list_resellers()
            mock.advance(3601)  # the mock's clock only: the client still holds the token it thinks is fresh
            api.list_resellers()
        assert calls(mock) == [
            ("create_token", 200),
            ("list_resellers", 200),
            ("list_resellers", 401),
            ("create_token", 200),
            ("list_resellers", 200),
        ]


def test_a_telphin_app_signs_in_with_client_credentials_in_a_form_body_or_in_the_query() -> None:
    with signed_in_mock("telphin") as mock:
        with mock.client(**signing_in(mock, "/oauth/token")) as api:
            assert isinstance(api.list_registration_statuses(), list)
        assert calls(mock) == [("create_token", 200), ("list_registration_statuses", 200)]
        assert mock.journal("create_token")[0]["body"]["grant_type"] == "client_credentials"
        with mock.client() as api:
            form = dump(
                api.create_token(
                    grant_type_field="client_credentials",
                    client_id_field=CLIENT["client_id"],
                    client_secret_field=CLIENT["client_secret"],
                )
            )
        # public Telphin libraries send the grant as query parameters of an empty POST
        with httpx.Client(transport=mock.transport(), base_url=mock.root_url) as raw:
            query = raw.post("/oauth/token", params={"grant_type": "client_credentials", **CLIENT}).json()
        for token in (form["access_token"], query["access_token"]):
            with mock.client(**holding(mock, token)) as api:
                assert isinstance(api.get_agent(extension_id="17", agent_id=17), object)
        assert query["expires_in"] == 3600


def test_a_telphin_app_with_a_wrong_secret_gets_the_vendors_error_and_no_token() -> None:
    errors = package("telphin", "_errors")
    with signed_in_mock("telphin") as mock, mock.client() as api:
        with pytest.raises(errors.AuthenticationError) as refused:
            api.create_token(
                grant_type_field="client_credentials", client_id_field=CLIENT["client_id"], client_secret_field="nope"
            )
        assert refused.value.status == 401 and refused.value.body == {"message": "invalid client credentials"}
        with httpx.Client(transport=mock.transport(), base_url=mock.root_url) as raw:
            query = raw.post("/oauth/token", params={"grant_type": "client_credentials", **CLIENT, "client_id": "x"})
        assert query.status_code == 401 and "access_token" not in query.json()


def test_a_telphin_token_is_refused_after_its_hour_and_the_client_fetches_a_new_one() -> None:
    errors = package("telphin", "_errors")
    with signed_in_mock("telphin") as mock, mock.client() as api:
        grant = {
            "grant_type_field": "client_credentials",
            "client_id_field": "portal",
            "client_secret_field": "cs-41d2",
        }
        token = dump(api.create_token(**grant))
        with mock.client(**holding(mock, token["access_token"])) as holder:
            holder.list_agents(extension_id="17")
            mock.advance(token["expires_in"] + 1)
            with pytest.raises(errors.AuthenticationError):
                holder.list_agents(extension_id="17")
        with mock.client(**signing_in(mock, "/oauth/token")) as app:
            app.list_agents(extension_id="17")
            mock.advance(3601)
            app.list_agents(extension_id="17")
        assert [c for c in calls(mock) if c[0] == "create_token"] == [("create_token", 200)] * 3


# -- Webhooks --------------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP server on a loopback port, as a customer's webhook endpoint: the URL and what it received."""
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()
    server.server_close()


def arrived(received: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """What the receiver got once `count` posts arrived (the mock posts after answering), or after 5 s."""
    for _ in range(500):
        if len(received) >= count:
            break
        time.sleep(0.01)
    return received


def test_a_supervisor_dashboard_hears_agents_check_in_and_join_queues_at_its_registered_url(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    with package("callcenter", "testing").MockServer(webhook_url=url) as mock, mock.client() as api:
        queue = dump(api.create_queue(body={"name": "Support", "strategy": "round-robin", "time_base_score": "system"}))
        api.check_in_agent(user_id=4242)
        assert dump(api.set_agent_queues(queue_ids=str(queue["id"]), user_id=4242)) == queue
        events = arrived(received, 2)
    assert [e["body"]["event"] for e in events] == ["agent:checkin", "queue:join"]
    assert all(e["path"] == "/hooks" and e["body"]["user_id"] == 4242 for e in events)


def test_a_team_tests_its_webhook_handler_with_an_event_the_mock_pushes_in_process() -> None:
    got: list[dict[str, Any]] = []

    async def handler(scope: Any, receive: Any, send: Any) -> None:  # the application under test
        message = await receive()
        got.append({"path": scope["path"], "body": json.loads(message["body"])})
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with package("callcenter", "testing").MockServer() as mock:
        sent = mock.emit("agent:checkin", {"user_id": 5}, app=handler, url="http://app.test/callcenter/events")
    assert sent["status"] == 204 and sent["body"]["user_id"] == 5
    assert got == [{"path": "/callcenter/events", "body": sent["body"]}]


def test_a_netsapiens_app_subscribes_to_call_events_and_the_mock_delivers_them(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    config = package("netsapiens", "_mock").MockConfig(subscriptions=True)  # voxspec mock --deliver-subscriptions
    with package("netsapiens", "testing").MockServer(config=config) as mock, mock.client() as api:
        api.create_subscription(body=SYNC | {"model": "call", "post-url": url + "/calls"})
        api.create_subscription(body=SYNC | {"model": "cdr", "post-url": url + "/cdrs"})
        api.make_call(
            domain="example.com", user="1001", body=SYNC | {"call-id": "c-1", "call-term-user": "12125550199"}
        )
        events = arrived(received, 1)
        # the control API pushes the vendor's call event to the subscriber too, as a test of its handler would
        pushed = mock.emit("call", {"call-term-user": "12125550100"})
        assert pushed["status"] == 200
        events = arrived(received, 2)
    # NetSapiens posts a subscription's records as a JSON array, one record here, parsed by the subscribed model
    parse = package("netsapiens", "webhooks").parse_event
    assert all(isinstance(e["body"], list) and len(parse(e["body"], model="call")) == 1 for e in events)
    assert [(e["path"], e["body"][0]["call-term-user"]) for e in events] == [
        ("/hooks/calls", "12125550199"),
        ("/hooks/calls", "12125550100"),
    ], "the call events reached the call subscription, none the CDR one"
