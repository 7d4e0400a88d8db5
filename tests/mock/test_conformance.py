"""Conformance scenarios: what a real integration does end to end, through each vendor's generated client,
against its mock. Each test is named after the user story it proves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
