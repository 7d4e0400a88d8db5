"""The mock behaves like the vendor: stateful CRUD, auth, the behaviours the specs declare, bad input.

Each test drives a generated server in-process through Starlette's TestClient.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.mock.shapes import merge_patch
from tests.helpers import MOCK_KEY, package, sync_transport

AVAYA = "/api/admin/voice/v1/accounts/ABCDEF"
NS = "/ns-api/v2"
TELPHIN = "/api/ver1.0/extension/17"


def client(vendor: str, **config: Any) -> Any:
    import httpx

    mock = package(vendor, "_mock")
    app = package(vendor, "server").create_app(config=mock.MockConfig(**config))
    return httpx.Client(transport=sync_transport(app), base_url="http://testserver")


BEARER = {"Authorization": f"Bearer {MOCK_KEY}"}
AVAYA_AUTH = {**BEARER, "appkey": MOCK_KEY}
SYNC = {"synchronous": "yes"}


def test_create_read_replace_list_delete_share_one_state() -> None:
    api = client("telphin")
    created = api.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada", "call_timeout": 20})
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["name"] == "Ada" and agent["call_timeout"] == 20 and isinstance(agent["id"], int)
    assert api.get(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER).json() == agent
    replaced = api.put(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER, json={"name": "Grace"}).json()
    assert replaced["name"] == "Grace" and replaced["id"] == agent["id"]
    assert "call_timeout" not in replaced or replaced["call_timeout"] != 20, "PUT replaces the whole resource"
    listed = api.get(f"{TELPHIN}/agent/", headers=BEARER).json()
    assert replaced in listed
    assert api.delete(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER).status_code == 204
    gone = api.get(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER)
    assert gone.status_code == 404 and "message" in gone.json()
    assert replaced not in api.get(f"{TELPHIN}/agent/", headers=BEARER).json()


def test_ids_in_fields_not_named_like_the_path_parameter_are_found() -> None:
    api = client("netsapiens")
    # `{timeframe}` is the answer rule's `time-frame`; `{agent}` is `callqueue-agent-id` (x-voxspec-crud field)
    rule = api.post(
        f"{NS}/domains/example.com/users/1001/answerrules", headers=BEARER, json=SYNC | {"time-frame": "lunch"}
    )
    assert rule.status_code == 200
    assert api.get(f"{NS}/domains/example.com/users/1001/answerrules/lunch", headers=BEARER).json() == rule.json()
    body = SYNC | {"callqueue-agent-id": "1002@example.com"}
    agent = api.post(f"{NS}/domains/example.com/callqueues/2000/agents", headers=BEARER, json=body)
    read = api.get(f"{NS}/domains/example.com/callqueues/2000/agents/1002@example.com", headers=BEARER)
    assert agent.status_code == 200 and read.json() == agent.json()
    assert api.delete(f"{NS}/domains/example.com/callqueues/2000/agents/1002@example.com", headers=BEARER).is_success
    gone = api.get(f"{NS}/domains/example.com/callqueues/2000/agents/1002@example.com", headers=BEARER)
    assert gone.status_code == 404


def test_resources_live_under_their_parent() -> None:
    api = client("telphin")
    agent = api.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada"}).json()
    assert api.get(f"/api/ver1.0/extension/78/agent/{agent['id']}", headers=BEARER).status_code == 404


def test_update_merges_and_synchronous_option_answers_with_the_object() -> None:
    api = client("netsapiens")
    body = {"domain": "acme.example", "reseller": "r1", "description": "first"}
    accepted = api.post(f"{NS}/domains", headers=BEARER, json=body)
    assert accepted.status_code == 202 and accepted.json()["code"] == 202
    domain = api.get(f"{NS}/domains/acme.example", headers=BEARER).json()
    assert domain["domain"] == "acme.example" and domain["description"] == "first"
    # A domain update answers 202 only (no synchronous option there); the change is merged all the same.
    updated = api.put(f"{NS}/domains/acme.example", headers=BEARER, json={"time-zone": "Europe/Paris"})
    assert updated.status_code == 202
    domain = api.get(f"{NS}/domains/acme.example", headers=BEARER).json()
    assert domain["description"] == "first" and domain["time-zone"] == "Europe/Paris"
    # A time-frame update takes the option: the answer is the merged object, without the option.
    created = api.post(
        f"{NS}/domains/acme.example/timeframes",
        headers=BEARER,
        json=SYNC | {"timeframe-name": "Lunch", "timeframe-type": "always"},
    )
    assert created.status_code == 200, created.text
    path = f"{NS}/domains/acme.example/timeframes/{created.json()['timeframe-id']}"
    renamed = api.put(path, headers=BEARER, json=SYNC | {"timeframe-name": "Long lunch"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["timeframe-name"] == "Long lunch" and renamed.json()["timeframe-type"] == "always"
    assert "synchronous" not in renamed.json()


def test_self_alias_stands_for_the_callers_own_resource() -> None:
    api = client("netsapiens")
    first = api.get(f"{NS}/domains", headers=BEARER).json()[0]
    own = api.get(f"{NS}/domains/~", headers=BEARER)
    assert own.status_code == 200 and own.json()["domain"] == first["domain"]


def test_offset_and_page_pagination() -> None:
    api = client("netsapiens")
    for n in range(5):
        api.post(f"{NS}/domains", headers=BEARER, json={"domain": f"d{n}.example", "reseller": "r"})
    every = api.get(f"{NS}/domains", headers=BEARER).json()
    window = api.get(f"{NS}/domains", headers=BEARER, params={"limit": 2, "start": 1}).json()
    assert window == every[1:3]
    av = client("avaya")
    for n in range(3):
        body = {"name": f"loc{n}", "isDialingRestrictionEnabled": False}
        assert av.post(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, json=body).status_code < 300
    page = av.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, params={"pageNumber": 2, "pageSize": 2}).json()
    every_locations = av.get(f"{AVAYA}/agent-locations", headers=AVAYA_AUTH, params={"pageSize": 50}).json()
    assert len(every_locations["locations"]) >= 4
    assert page["locations"] == every_locations["locations"][2:4]


def test_list_filters_on_fields() -> None:
    api = client("telphin")
    body = {"login": "only-me", "password": "Secret-123456", "name": "Ada", "email": "ada@example.com"}
    created = api.post(f"{TELPHIN}/user/extension/", headers=BEARER, json=body)
    assert created.status_code == 201, created.text
    found = api.get(f"{TELPHIN}/user/extension/", headers=BEARER, params={"login": "only-me"}).json()
    assert [u["login"] for u in found] == ["only-me"]
    assert len(api.get(f"{TELPHIN}/user/extension/", headers=BEARER).json()) > 1


def test_async_creation_is_polled_in_its_state_until_its_time_is_up() -> None:
    api = client("avaya")
    body = {"name": "ACO", "environment": "Production", "didNumbers": ["+15550100"]}
    accepted = api.post(f"{AVAYA}/aco-elements", headers=AVAYA_AUTH, json=body)
    assert accepted.status_code == 202 and accepted.json()["status"] == "IN_PROGRESS"
    element = accepted.json()["elementId"]
    polled = [api.get(f"{AVAYA}/aco-elements/{element}", headers=AVAYA_AUTH).json()["status"] for _ in range(3)]
    assert polled == ["IN_PROGRESS"] * 3, "the state lasts the spec's 2 seconds, however often it is polled"


@pytest.mark.parametrize(
    ("vendor", "path", "headers"),
    [
        ("voipcloud", "/api/integration/v1/get-system-status", {"token": "wrong"}),
        ("voipcloud", "/api/integration/v1/get-system-status", {}),
        ("callcenter", "/api/user", {}),
        ("netsapiens", f"{NS}/domains", {"Authorization": "Bearer wrong"}),
        ("avaya", f"{AVAYA}/agent-locations", BEARER),  # the app key is missing
    ],
)
def test_wrong_or_missing_credentials_get_the_vendors_401(vendor: str, path: str, headers: dict[str, str]) -> None:
    answer = client(vendor).get(path, headers=headers)
    assert answer.status_code == 401
    declared = package(vendor, "_spec").RUNTIME["fallback_errors"]["401"]
    assert set(answer.json()) <= set(declared["examples"][0]) | {"message"}


def test_query_key_authenticates() -> None:
    answer = client("callcenter").get("/api/user", params={"api_key": MOCK_KEY})
    assert answer.status_code == 200 and answer.json()["success"] is True


def test_rate_limit_answers_429_with_retry_after_when_enabled() -> None:
    api = client("voipcloud", rate_limit=True)
    path, headers = "/api/integration/v1/get-system-status", {"token": MOCK_KEY}
    statuses = [api.get(path, headers=headers).status_code for _ in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    refused = api.get(path, headers=headers)
    assert 1 <= int(refused.headers["Retry-After"]) <= 900 and refused.json()["code"] == 429
    assert client("voipcloud").get(path, headers=headers).status_code == 200


def test_allow_list_refuses_other_addresses() -> None:
    path, headers = "/api/integration/v1/get-system-status", {"token": MOCK_KEY}
    refused = client("voipcloud", allow=("10.0.0.0/8",)).get(path, headers=headers)
    assert refused.status_code == 401 and refused.json()["message"] == "IP address is not whitelisted"
    assert client("voipcloud").get(path, headers=headers).status_code == 200


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_envelope_and_webhook_emission(receiver: tuple[str, list[Any]]) -> None:
    url, received = receiver
    api = client("callcenter", webhook_url=url)
    created = api.post("/api/phone_list", params={"api_key": MOCK_KEY}, json={"name": "Leads"}).json()
    assert created["success"] is True and created["data"]["name"] == "Leads"
    read = api.get(f"/api/phone_list/{created['data']['id']}", params={"api_key": MOCK_KEY}).json()
    assert read["data"] == created["data"]
    answer = api.get("/api/cc_agent/checkIn", params={"api_key": MOCK_KEY, "user_id": 4242, "device_id": 7})
    assert answer.status_code == 200, answer.text
    for _ in range(200):
        if received:
            break
        threading.Event().wait(0.01)
    assert received and received[0]["event"] == "agent:checkin" and received[0]["user_id"] == 4242


def test_sqlite_state_is_shared_and_survives_a_restart(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.db'}"
    first, second = client("telphin", state=state), client("telphin", state=state)
    agent = first.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada"}).json()
    assert second.get(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER).json() == agent
    other = second.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Bob"}).json()
    assert other["id"] != agent["id"]
    restarted = client("telphin", state=state)
    listed = restarted.get(f"{TELPHIN}/agent/", headers=BEARER).json()
    assert agent in listed and other in listed


def test_workers_sharing_sqlite_share_the_vendors_one_rate_limit(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.db'}"
    workers = [client("voipcloud", rate_limit=True, state=state) for _ in range(2)]
    path, headers = "/api/integration/v1/get-system-status", {"token": MOCK_KEY}
    statuses = [workers[i % 2].get(path, headers=headers).status_code for i in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    # the window outlives a restart, as the vendor's does
    restarted = client("voipcloud", rate_limit=True, state=state).get(path, headers=headers)
    assert restarted.status_code == 429 and 1 <= int(restarted.headers["Retry-After"]) <= 900


def test_a_rate_limit_window_opens_again_when_it_ends() -> None:
    mock = package("voipcloud", "_mock")
    limiter = mock.behaviours.RateLimiter({"requests": 2, "window_seconds": 10}, mock.MemoryStore())
    op: dict[str, Any] = {}
    assert [limiter.retry_after(op, "key", now=t) for t in (0.0, 1.0)] == [None, None]
    assert limiter.retry_after(op, "key", now=2.5) == 8
    assert limiter.retry_after(op, "other", now=2.5) is None
    assert limiter.retry_after(op, "key", now=10.0) is None
    # an operation's own limit (as the generator resolved it into the runtime spec) wins over the API's
    own = {"rate_limit": {"requests": 1, "window_seconds": 60}}
    assert limiter.retry_after(own, "key", now=20.0) is None
    assert limiter.retry_after(own, "key", now=21.0) == 59


def test_faults_are_vendor_shaped() -> None:
    answer = client("voipcloud", error_rate=1.0).get(
        "/api/integration/v1/get-system-status", headers={"token": MOCK_KEY}
    )
    assert answer.status_code >= 500 and "Retry-After" in answer.headers and isinstance(answer.json(), dict)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"name=x", "text/plain"),
        (b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ],
)
def test_bad_input_gets_a_vendor_4xx_and_the_server_stays_up(content: bytes, content_type: str) -> None:
    api = client("telphin")
    answer = api.post(f"{TELPHIN}/agent/", headers={**BEARER, "Content-Type": content_type}, content=content)
    assert 400 <= answer.status_code < 500 and "message" in answer.json()
    assert api.get(f"{TELPHIN}/agent/", headers=BEARER).status_code == 200


def test_merge_patch_follows_rfc_7396() -> None:
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": 5}) == {
        "a": 1,
        "b": {"d": 3, "e": 4},
        "f": 5,
    }


def test_config_repr_hides_keys() -> None:
    config = package("voipcloud", "_mock").MockConfig(keys=frozenset({"secret-key-123"}))
    assert "secret-key-123" not in repr(config)


def test_an_empty_item_id_is_the_vendors_404_and_other_methods_stay_405() -> None:
    api = client("telphin")
    # PUT /agent/ is PUT /agent/{id} with an empty id: an item that does not exist, not a collection method
    empty = api.put(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada"})
    assert empty.status_code == 404 and "message" in empty.json()
    unsupported = api.patch(f"{TELPHIN}/agent/", headers=BEARER, json={})
    assert unsupported.status_code == 405 and set(unsupported.headers["allow"].split(", ")) >= {"GET", "POST"}
    # a literal segment where a template has a parameter is its own path: PUT /user/login stays 405
    login = client("callcenter").put("/api/user/login", params={"api_key": MOCK_KEY})
    assert login.status_code == 405


def test_form_parts_that_read_as_json_are_json() -> None:
    reads_as_json = package("telphin", "_mock").reads_as_json
    assert all(reads_as_json(text) for text in ("null", "true", "false", "-12", "1.5", "{}", "[1]"))
    assert not any(reads_as_json(text) for text in ("12", "0012", "Ada", "", "nullable"))


def test_a_single_valued_query_parameter_given_twice_is_refused() -> None:
    answer = client("telphin").get(f"{TELPHIN}/alias/", headers=BEARER, params=[("per_page", "5"), ("per_page", "7")])
    assert answer.status_code == 400 and "takes one value" in answer.json()["message"]


def test_a_single_valued_form_part_given_twice_is_refused() -> None:
    api = client("netsapiens")
    path = f"{NS}/domains/example.com/moh/1"
    upload = ("File", ("hold.wav", b"\x00", "audio/wav"))
    once = api.put(path, headers=BEARER, files=[("index", (None, "7")), upload])
    assert once.status_code == 202
    for twice in (
        [("index", (None, "7")), ("index", (None, "8"))],
        [("index", (None, "null")), ("index", (None, "7"))],
    ):
        answer = api.put(path, headers=BEARER, files=[*twice, upload])
        assert answer.status_code == 400 and "index" in answer.json()["message"], answer.text


def test_parameterless_paths_skip_the_router_and_everything_else_keeps_its_answers() -> None:
    mock = package("voipcloud", "_mock")
    app = package("voipcloud", "server").create_app()
    literal = mock.LiteralRoutes.of(app.router.routes)
    assert "/api/integration/v1/get-system-status" in literal
    assert all("{" not in path for path in literal)
    import httpx

    api = httpx.Client(transport=sync_transport(app), base_url="http://testserver")
    path, headers = "/api/integration/v1/get-system-status", {"token": MOCK_KEY}
    assert api.get(path, headers=headers).status_code == 200
    assert api.head(path, headers=headers).status_code == 200
    # a method the path does not take, and a path no route has, still reach the router and its handlers
    wrong_method = api.delete(path, headers=headers)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["allow"]
    assert api.get(path + "/nope", headers=headers).json()["code"] == 404
    # with the router emptied, only the middleware can still answer the literal path
    app.router.routes.clear()
    assert api.get(path, headers=headers).status_code == 200


def test_query_strings_read_the_same_each_time_and_the_last_query_key_counts() -> None:
    api = client("callcenter")
    for _ in range(3):
        assert api.get("/api/user", params={"api_key": MOCK_KEY}).status_code == 200
        assert api.get("/api/user", params=[("api_key", "wrong"), ("api_key", MOCK_KEY)]).status_code == 200
        assert api.get("/api/user", params=[("api_key", MOCK_KEY), ("api_key", "wrong")]).status_code == 401
    repeated = client("telphin").get(f"{TELPHIN}/alias/", headers=BEARER, params=[("per_page", "5")] * 2)
    assert repeated.status_code == 400


def test_a_read_the_vendor_answers_as_an_array_holds_the_stored_resource() -> None:
    api = client("netsapiens")
    ada = {"name-first-name": "Ada", "name-last-name": "Lovelace"}
    created = api.post(f"{NS}/domains/example.com/contacts", headers=BEARER, json=SYNC | ada)
    assert created.status_code == 200, created.text
    (contact,) = created.json()
    assert contact["name-first-name"] == "Ada"
    read = api.get(f"{NS}/domains/example.com/contacts/{contact['unique-id']}", headers=BEARER)
    assert read.status_code == 200 and read.json() == [contact]


def test_events_go_to_the_urls_subscribed_through_the_api(receiver: tuple[str, list[Any]]) -> None:
    url, received = receiver
    for deliver in (False, True):
        api = client("netsapiens", subscriptions=deliver)
        subscribed = api.post(f"{NS}/subscriptions", headers=BEARER, json=SYNC | {"model": "call", "post-url": url})
        assert subscribed.status_code == 200, subscribed.text
        api.post(f"{NS}/subscriptions", headers=BEARER, json=SYNC | {"model": "cdr", "post-url": url + "/cdr"})
        call = {"call-id": "c-1", "call-term-user": "12125550199"}
        made = api.post(f"{NS}/domains/example.com/users/1001/calls", headers=BEARER, json=SYNC | call)
        assert made.status_code == 200, made.text
        for _ in range(200):
            if received:
                break
            threading.Event().wait(0.01)
        if not deliver:
            assert received == [], "without --deliver-subscriptions the mock posts nowhere"
    # the call event went to the call subscription only; the seeded example subscription is not a caller's
    assert len(received) == 1 and received[0]["call-term-user"] == "12125550199"
