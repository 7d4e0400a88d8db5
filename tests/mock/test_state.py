"""The mock's state follows the spec: records live under their parent, path ids win, referential rules hold,
seeds are ordinary records, every list pages, answers come from the request and the state.

Each test drives a generated server in-process through Starlette's TestClient.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MOCK_KEY, package
from tests.mock.test_behaviour import AVAYA_AUTH, BEARER, NS, SYNC, client

TELPHIN = "/api/ver1.0/extension"
EVENT = {"url": "https://example.com/hook", "event_type": "hangup", "method": "POST"}
AVAYA = "/api/admin/voice/v1/accounts/ABCDEF"
USER = {
    "name-first-name": "Ada",
    "name-last-name": "Lovelace",
    "email-address": "ada@example.com",
    "user-scope": "Basic User",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_an_unknown_parent_is_the_vendors_404() -> None:
    api = client("netsapiens")
    assert api.get(f"{NS}/domains/example.com/users/1001", headers=BEARER).status_code == 200
    missing = api.get(f"{NS}/domains/nonexistent.com/users/1001", headers=BEARER)
    assert missing.status_code == 404 and missing.json()["code"] == 404
    assert api.get(f"{NS}/domains/example.com/users/9999/devices", headers=BEARER).status_code == 404
    assert api.get(f"{NS}/domains/nonexistent.com/users", headers=BEARER).status_code == 404


def test_a_child_list_holds_that_parents_children_only() -> None:
    api = client("netsapiens")
    for domain in ("tenant-a.example", "tenant-b.example"):
        body = SYNC | {"domain": domain, "reseller": "acme-telecom"}
        assert api.post(f"{NS}/domains", headers=BEARER, json=body).status_code == 200
    made = api.post(f"{NS}/domains/tenant-a.example/users", headers=BEARER, json=SYNC | USER | {"user": "2001"})
    assert made.status_code == 200, made.text
    a_users = api.get(f"{NS}/domains/tenant-a.example/users", headers=BEARER).json()
    assert [u["user"] for u in a_users] == ["2001"]
    assert api.get(f"{NS}/domains/tenant-b.example/users", headers=BEARER).json() == []
    assert "2001" not in [u["user"] for u in api.get(f"{NS}/domains/example.com/users", headers=BEARER).json()]
    assert api.get(f"{NS}/domains/tenant-b.example/users/2001", headers=BEARER).status_code == 404


def test_editing_a_record_under_one_parent_leaves_other_parents_alone() -> None:
    api = client("telphin")
    before = api.get(f"{TELPHIN}/17/agent/17", headers=BEARER).json()
    assert api.put(f"{TELPHIN}/17/agent/17", headers=BEARER, json={"name": "Changed"}).status_code == 200
    assert api.get(f"{TELPHIN}/17/agent/17", headers=BEARER).json()["name"] == "Changed"
    # the seeded agent lives under extension 17 only: elsewhere it is missing, not changed
    assert api.get(f"{TELPHIN}/18/agent/17", headers=BEARER).status_code == 404
    assert api.put(f"{TELPHIN}/18/agent/17", headers=BEARER, json={"name": "Other"}).status_code == 404
    assert before["name"] != "Changed"


def test_path_identifiers_win_over_body_fields() -> None:
    api = client("netsapiens")
    path = f"{NS}/domains/example.com/callqueues/2000"
    # a call-queue update answers 202 only (the published document offers no synchronous option there)
    moved = api.put(path, headers=BEARER, json={"domain": "other.com", "callqueue": "9999"})
    assert moved.status_code == 202, moved.text
    kept = api.get(path, headers=BEARER).json()
    assert kept["domain"] == "example.com" and kept["callqueue"] == "2000"
    made = api.post(
        f"{NS}/domains/example.com/users",
        headers=BEARER,
        json=SYNC | USER | {"user": "3001", "domain": "elsewhere.com"},
    )
    assert made.status_code == 200 and made.json()["domain"] == "example.com"


def test_a_status_path_parameter_is_not_a_resource_id() -> None:
    api = client("netsapiens")
    agent = f"{NS}/domains/example.com/callqueues/2000/agents/1001@example.com"
    assert api.patch(f"{agent}/login", headers=BEARER).status_code == 202
    assert api.patch(f"{agent}/Lunch", headers=BEARER).status_code == 202
    missing = f"{NS}/domains/example.com/callqueues/2000/agents/nobody@example.com/Lunch"
    assert api.patch(missing, headers=BEARER).status_code == 404


def test_a_reseller_that_owns_domains_cannot_be_deleted() -> None:
    api = client("netsapiens")
    refused = api.delete(f"{NS}/resellers/acme-telecom", headers=BEARER)
    assert refused.status_code == 409 and "domain" in refused.json()["message"]
    assert api.get(f"{NS}/resellers/acme-telecom", headers=BEARER).status_code == 200
    assert api.post(f"{NS}/resellers", headers=BEARER, json={"reseller": "lonely"}).status_code == 202
    assert api.delete(f"{NS}/resellers/lonely", headers=BEARER).status_code == 202
    assert api.get(f"{NS}/resellers/lonely", headers=BEARER).status_code == 404


def test_a_duplicate_create_is_a_conflict_where_the_spec_says_so() -> None:
    api = client("netsapiens")
    body = SYNC | {"domain": "twice.example", "reseller": "acme-telecom", "description": "first"}
    assert api.post(f"{NS}/domains", headers=BEARER, json=body).status_code == 200
    again = api.post(f"{NS}/domains", headers=BEARER, json=body | {"description": "second"})
    assert again.status_code == 409 and again.json()["code"] == 409
    assert api.get(f"{NS}/domains/twice.example", headers=BEARER).json()["description"] == "first"


def test_unique_fields_are_unique_within_their_parent() -> None:
    api = client("avaya")
    body = {"name": "Unique HQ", "isDialingRestrictionEnabled": False}
    assert api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json=body).status_code < 300
    again = api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json=body)
    assert again.status_code in (400, 409) and "name" in again.text


def test_deleting_a_parent_takes_its_children_with_it() -> None:
    api = client("callcenter")
    key = {"api_key": MOCK_KEY}
    made = api.post("/api/phone_list", params=key, json={"name": "Leads"}).json()["data"]
    lead = api.post(f"/api/phone_list/{made['id']}/lead", params=key, json={"phone": "15550001"})
    assert lead.status_code == 200, lead.text
    assert api.delete(f"/api/phone_list/{made['id']}", params=key).status_code < 300
    assert api.get(f"/api/phone_list/{made['id']}/lead", params=key).status_code == 404


def test_seeds_are_ordinary_records() -> None:
    api = client("telphin")
    seeded = api.get(f"{TELPHIN}/17/event/", headers=BEARER).json()
    assert seeded, "the spec's example seeds the list"
    made = api.post(f"{TELPHIN}/17/event/", headers=BEARER, json=EVENT)
    assert made.status_code == 201, made.text
    both = api.get(f"{TELPHIN}/17/event/", headers=BEARER).json()
    assert seeded[0] in both and made.json() in both
    for event in both:
        assert api.delete(f"{TELPHIN}/17/event/{event['id']}", headers=BEARER).status_code == 204
    assert api.get(f"{TELPHIN}/17/event/", headers=BEARER).json() == []


@pytest.mark.parametrize(
    ("vendor", "path", "auth", "size", "page", "items"),
    [
        ("telphin", f"{TELPHIN}/17/alias/", BEARER, "per_page", "page", None),
        ("voipcloud", "/api/integration/v1/get-user-calls", {"token": MOCK_KEY}, "limit", "offset", "data"),
    ],
)
def test_every_list_pages(
    vendor: str, path: str, auth: dict[str, str], size: str, page: str, items: str | None
) -> None:
    api = client(vendor)
    first = 1 if page == "page" else 0
    whole = api.get(path, headers=auth).json()
    listed = whole if items is None else whole[items]
    assert listed, "the example seeds one item"
    one = api.get(path, headers=auth, params={size: 1, page: first}).json()
    assert (one if items is None else one[items]) == listed[:1]
    past = api.get(path, headers=auth, params={size: 1, page: first + len(listed)}).json()
    assert (past if items is None else past[items]) == []


def test_pagination_fields_tell_the_truth() -> None:
    api = client("avaya")
    for n in range(3):
        body = {"name": f"paged-{n}", "isDialingRestrictionEnabled": False}
        assert api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json=body).status_code < 300
    every = api.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, params={"pageSize": 50}).json()
    total = len(every["locations"])
    page = api.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, params={"pageNumber": 2, "pageSize": 2}).json()
    assert page["pagination"] == {"pageNumber": 2, "pageSize": 2, "total": total}
    assert "pageNumber=1" in page["links"]["prev"] and "pageSize=2" in page["links"]["prev"]
    first = api.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, params={"pageNumber": 1, "pageSize": 2}).json()
    assert "prev" not in first.get("links", {}) and "pageNumber=2" in first["links"]["next"]


def test_created_ids_take_the_format_the_vendor_uses() -> None:
    api = client("avaya")
    body = {"name": "Fresh", "isDialingRestrictionEnabled": False}
    made = api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json=body)
    assert made.status_code < 300
    ids = [loc["id"] for loc in api.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH).json()["locations"]]
    assert all(UUID.match(i) for i in ids if i not in ids[:3]), ids


def test_created_records_do_not_carry_the_examples_values() -> None:
    api = client("netsapiens")
    made = api.post(
        f"{NS}/domains/example.com/users/1001/devices", headers=BEARER, json=SYNC | {"device": "1001z"}
    ).json()
    seed = api.get(f"{NS}/domains/example.com/users/1001/devices/1001a", headers=BEARER).json()
    for name in ("device-sip-registration-uri", "device-sip-registration-password", "device-sip-registration-state"):
        assert made.get(name) != seed[name], name
    assert made["device"] == "1001z" and made["user"] == "1001"


def test_sqlite_transactions_serialise_read_modify_write(tmp_path: Path) -> None:
    from tests.helpers import package

    mock = package("telphin", "_mock")
    stores = [mock.SqliteStore(str(tmp_path / "s.db")) for _ in range(2)]
    stores[0].put("k", "", "x", {"n": 0})
    rounds = 200

    def bump(store: Any) -> None:
        for _ in range(rounds):
            with store.transaction():
                record = store.get("k", "", "x")
                store.put("k", "", "x", {"n": record["n"] + 1})

    threads = [threading.Thread(target=bump, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stores[0].get("k", "", "x") == {"n": 2 * rounds}


def test_an_invalid_request_gets_its_own_violations() -> None:
    api = client("avaya")
    refused = api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json={"description": "no name"})
    assert refused.status_code == 400
    violations = refused.json()["violations"]
    assert violations and violations[0]["message"] != "must not be blank", violations
    assert "name" in violations[0]["message"] or "isDialingRestrictionEnabled" in violations[0]["message"]
    unknown = api.get(f"{AVAYA}/agent-locations/nope", headers=AVAYA_AUTH)
    assert unknown.status_code == 404 and unknown.json().get("violations", []) == []


def test_an_invalid_body_gets_a_violation_for_each_fault_naming_the_field() -> None:
    """Every fault of a body is listed, a missing property under its own name, not only the first as `body`."""
    api = client("avaya")
    refused = api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json={"description": 5})
    assert refused.status_code == 400
    found = {(v["field"], v["code"]) for v in refused.json()["violations"]}
    assert found == {("name", "required"), ("isDialingRestrictionEnabled", "required"), ("description", "type")}


def test_missing_properties_keep_their_names_when_the_validator_words_them_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The missing property is named from the schema and the body, not only from jsonschema's wording."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    runtime = package("avaya", "_mock.runtime")

    def required(validator: Any, wanted: Any, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "object"):
            for name in wanted:
                if name not in instance:
                    yield ValidationError("a property this object needs is absent")

    reworded = validators.extend(Draft202012Validator, {"required": required})  # type: ignore[no-untyped-call]
    monkeypatch.setattr(runtime.Spec, "compile", lambda self, schema: reworded(schema))
    api = client("avaya")
    refused = api.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json={"description": "x"})
    assert refused.status_code == 400
    found = sorted(v["field"] for v in refused.json()["violations"])
    assert found == ["isDialingRestrictionEnabled", "name"], refused.json()


def test_no_template_placeholder_reaches_an_answer() -> None:
    api = client("avaya")
    other = "/api/admin/voice/v1/accounts/SQVYVE/avaya-aura-device-services:discoveryUrl"
    answer = api.get(other, headers=AVAYA_AUTH)
    assert answer.status_code == 200, answer.text
    url = answer.json()["openIDConnectDiscovery"]
    assert "{" not in url and "/SQVYVE/" in url and "ABCDEF" not in url, url
    for seeded in api.get(f"{AVAYA}/avaya-aura-device-services", headers=AVAYA_AUTH).json().get("devices", []):
        assert "{{" not in str(seeded)


@pytest.mark.parametrize(
    "path",
    ["17/ani/", "17/conference/", "17/extension/", "17/ivr/context/17/options/1/rules/17", "17/registration/"],
)
def test_every_resource_the_spec_describes_is_seeded_under_one_parent(path: str) -> None:
    api = client("telphin")
    assert api.get(f"{TELPHIN}/{path}", headers=BEARER).status_code == 200, path


def test_a_cascading_delete_removes_the_records_that_name_the_deleted_one() -> None:
    import copy

    from tests.helpers import package

    mock = package("netsapiens", "_mock")
    runtime = copy.deepcopy(package("netsapiens", "_spec").RUNTIME)
    rule = {"operation": "list_domains", "field": "reseller", "on_delete": "cascade"}
    runtime["operations"]["delete_reseller"]["integrity"]["children"] = [rule]
    crud = mock.MockHandlers(mock.Spec(runtime)).crud
    assert crud.act("get_domain", {"domain": "example.com"}, {}, None).found
    assert crud.act("delete_reseller", {"reseller": "acme-telecom"}, {}, None).conflict is None
    assert not crud.act("get_domain", {"domain": "example.com"}, {}, None).found
    assert not crud.store.list("user", "example.com"), "the domain's users went with it"


@pytest.mark.parametrize("extension", ["²", "-٣", "1001"])
def test_a_path_value_of_unicode_digits_is_text_not_a_number(extension: str) -> None:
    """`"²".isdigit()` is true but `int("²")` raises: such a value stays the text it is, never a 500."""
    api = client("telphin")
    made = api.post(f"{TELPHIN}/{extension}/agent/", headers=BEARER, json={"name": "Ada", "call_timeout": 20})
    assert made.status_code == 201, made.text
    listed = api.get(f"{TELPHIN}/{extension}/agent/", headers=BEARER)
    assert listed.status_code == 200 and made.json() in listed.json()


def test_an_invalid_query_gets_a_violation_for_each_parameter_at_fault() -> None:
    """Avaya lists every violation of a request: which parameter, what is wrong, by which rule."""
    api = client("avaya")
    one = api.get(f"{AVAYA}/agent-locations?pageSize=0", headers=AVAYA_AUTH)
    assert one.status_code == 400
    assert one.json()["violations"] == [
        {"field": "pageSize", "message": "0 is less than the minimum of 1", "code": "minimum"}
    ]
    two = api.get(f"{AVAYA}/agent-locations?pageNumber=-1&pageSize=abc", headers=AVAYA_AUTH)
    assert two.status_code == 400
    found = {(v["field"], v["code"]) for v in two.json()["violations"]}
    assert found == {("pageNumber", "minimum"), ("pageSize", "type")}, two.json()
    # the same bad value again (the mock memoizes verdicts per parameter) still names its violation
    again = api.get(f"{AVAYA}/agent-locations?pageSize=0", headers=AVAYA_AUTH)
    assert again.json()["violations"] == one.json()["violations"]


def test_set_queues_answers_the_queue_asked_for_from_the_state() -> None:
    """setQueues answers the queue the request names, as stored, not the example's "Training Queue"."""
    api = client("callcenter")
    key = {"api_key": MOCK_KEY}
    body = {"name": "Support EN", "strategy": "round-robin", "time_base_score": "system"}
    made = api.post("/api/cc_queue", params=key, json=body)
    assert made.status_code == 200, made.text
    queue = made.json()["data"]
    answer = api.get("/api/cc_agent/setQueues", params={**key, "queue_ids": str(queue["id"]), "user_id": 17798})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == queue
    several = api.get("/api/cc_agent/setQueues", params={**key, "queue_ids": f"{queue['id']},101"})
    assert several.status_code == 200 and several.json()["data"]["id"] == queue["id"]
    unknown = api.get("/api/cc_agent/setQueues", params={**key, "queue_ids": "424242"})
    assert unknown.status_code == 404 and unknown.json()["success"] is False and "data" not in unknown.json()


def test_a_path_ending_in_a_newline_is_not_the_collection_it_follows() -> None:
    """Starlette's route patterns end in `$`, which also matches before a final newline: `/agent/%0A` reached the
    agent list. An id of "\\n" names no agent, so the answer is the vendor's 404."""
    api = client("telphin")
    assert api.get(f"{TELPHIN}/17/agent/", headers=BEARER).status_code == 200
    for path in ("17/agent/%0A", "17/record/%0A"):
        answer = api.get(f"{TELPHIN}/{path}", headers=BEARER)
        assert answer.status_code == 404 and answer.json() == {"message": "no such resource"}, (path, answer.text)
