"""OAuth2 sign-in against the mock as real clients do it: the generated clients' grants, the form and
query encodings public libraries use, bad credentials, expiry and refresh, and HTTP basic auth."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.client.harness import vendor
from tests.helpers import package, sync_transport

CLIENT = {"client_id": "portal", "client_secret": "cs-41d2"}
USER = {"username": "1001@example.com", "password": "pw-9c1b"}
NS = "/ns-api/v2"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def mock(name: str, **config: Any) -> tuple[Any, Clock]:
    """The vendor's app with the client `portal` and the user `1001@example.com`, on a clock the test moves."""
    server = package(name, "server")
    settings = package(name, "_mock").MockConfig(
        clients={CLIENT["client_id"]: CLIENT["client_secret"]}, users={USER["username"]: USER["password"]}, **config
    )
    handlers = server.DefaultHandlers(server.Spec(package(name, "_spec").RUNTIME), settings)
    clock = Clock()
    handlers.tokens.clock = clock
    return server.create_app(handlers), clock


def http(app: Any) -> httpx.Client:
    return httpx.Client(transport=sync_transport(app), base_url="http://mock")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_netsapiens_client_signs_in_with_the_password_grant_and_its_calls_are_accepted() -> None:
    app, _clock = mock("netsapiens")
    grant = {f"oauth2_{k}": v for k, v in {**CLIENT, **USER}.items()}
    with vendor("netsapiens").client(app, **grant) as api:
        assert isinstance(api.list_resellers(), list)
        assert api.get_domain(domain="example.com") is not None


@pytest.mark.parametrize("wrong", [{"client_secret": "nope"}, {"password": "nope"}, {"client_id": "other"}])
def test_netsapiens_wrong_credentials_get_the_vendors_401(wrong: dict[str, str]) -> None:
    app, _clock = mock("netsapiens")
    answer = http(app).post(f"{NS}/tokens", json={"grant_type": "password", **CLIENT, **USER, **wrong})
    assert answer.status_code == 401
    assert answer.json()["code"] == 401 and "access_token" not in answer.json()
    grant = {f"oauth2_{k}": v for k, v in {**CLIENT, **USER, **wrong}.items()}
    errors = package("netsapiens", "_errors")
    with vendor("netsapiens").client(app, **grant) as api, pytest.raises(errors.AuthenticationError) as raised:
        api.list_resellers()
    assert raised.value.status == 401


def test_netsapiens_form_encoded_v1_token_endpoint_signs_in_too() -> None:
    app, _clock = mock("netsapiens")
    api = http(app)
    answer = api.post("/ns-api/oauth2/token/", data={"grant_type": "password", **CLIENT, **USER})
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["username"] == USER["username"] and token["expires_in"] == 3600
    assert api.get(f"{NS}/resellers", headers=bearer(token["access_token"])).status_code == 200
    assert api.get(f"{NS}/resellers", headers=bearer(token["access_token"] + "x")).status_code == 401


@pytest.mark.parametrize("word", ["null", "true", "12.5", "[1]"])
def test_a_form_secret_that_reads_as_json_is_still_the_secret_text(word: str) -> None:
    # A form field carries text: a secret that happens to be `null` is that word, checked against the keys (here a
    # wrong secret, the vendor's 401), not a null refused with a 400 about its type.
    app, _clock = mock("netsapiens")
    answer = http(app).post(
        "/ns-api/oauth2/token/", data={"grant_type": "password", **CLIENT, **USER, "client_secret": word}
    )
    assert answer.status_code == 401, answer.text
    server = package("netsapiens", "server")
    settings = package("netsapiens", "_mock").MockConfig(
        clients={CLIENT["client_id"]: word}, users={USER["username"]: USER["password"]}
    )
    app = server.create_app(server.DefaultHandlers(server.Spec(package("netsapiens", "_spec").RUNTIME), settings))
    answer = http(app).post(
        "/ns-api/oauth2/token/", data={"grant_type": "password", **CLIENT, **USER, "client_secret": word}
    )
    assert answer.status_code == 200, answer.text


def test_a_token_is_accepted_until_it_expires_and_the_refresh_token_gets_a_new_one() -> None:
    app, clock = mock("netsapiens")
    api = http(app)
    first = api.post(f"{NS}/tokens", json={"grant_type": "password", **CLIENT, **USER}).json()
    assert api.get(f"{NS}/resellers", headers=bearer(first["access_token"])).status_code == 200
    clock.now += first["expires_in"] + 1
    expired = api.get(f"{NS}/resellers", headers=bearer(first["access_token"]))
    assert expired.status_code == 401 and expired.json()["code"] == 401
    renewed = api.post(
        f"{NS}/tokens", json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **CLIENT}
    )
    assert renewed.status_code == 200, renewed.text
    assert api.get(f"{NS}/resellers", headers=bearer(renewed.json()["access_token"])).status_code == 200
    # a refresh token is not an access token, and belongs to the client it was issued to
    assert api.get(f"{NS}/resellers", headers=bearer(first["refresh_token"])).status_code == 401
    app_of_other = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": "x"}
    assert api.post(f"{NS}/tokens", json={**app_of_other, "client_secret": "y"}).status_code == 401


def test_token_lifetime_follows_the_configured_ttl() -> None:
    app, clock = mock("netsapiens", token_ttl=60)
    api = http(app)
    token = api.post(f"{NS}/tokens", json={"grant_type": "password", **CLIENT, **USER}).json()
    assert token["expires_in"] == 60
    clock.now += 61
    assert api.get(f"{NS}/resellers", headers=bearer(token["access_token"])).status_code == 401


def test_workers_with_the_same_configuration_accept_each_others_tokens() -> None:
    first, _ = mock("netsapiens")
    second, _ = mock("netsapiens")
    token = http(first).post(f"{NS}/tokens", json={"grant_type": "password", **CLIENT, **USER}).json()
    assert http(second).get(f"{NS}/resellers", headers=bearer(token["access_token"])).status_code == 200


def test_telphin_client_credentials_by_generated_client_form_body_and_query() -> None:
    app, _clock = mock("telphin")
    with vendor("telphin").client(app, oauth2_client_id="portal", oauth2_client_secret="cs-41d2") as client:
        assert isinstance(client.list_registration_statuses(), list)
    api = http(app)
    grant = {"grant_type": "client_credentials", **CLIENT}
    for answer in (api.post("/oauth/token", data=grant), api.post("/oauth/token", params=grant)):
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        listed = api.get("/api/ver1.0/extension/registration/", headers=bearer(token))
        assert listed.status_code == 200
    refused = api.post("/oauth/token", params={**grant, "client_secret": "nope"})
    assert refused.status_code == 401 and refused.json() == {"message": "invalid client credentials"}
    assert api.post("/oauth/token").status_code == 400


def test_basic_auth_decodes_user_and_password() -> None:
    app, _clock = mock("telphin")
    api = http(app)
    path = "/api/ver1.0/extension/77/record/0b7c/download/"

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert api.get(path, headers=basic(USER["username"], USER["password"])).status_code != 401
    assert api.get(path, headers=basic(USER["username"], "wrong")).status_code == 401
    assert api.get(path, headers={"Authorization": "Basic voxspec-mock-key"}).status_code == 401
    errors = package("telphin", "_errors")
    with vendor("telphin").client(app, basic_auth=(USER["username"], USER["password"])) as client:
        try:
            client.download_record(extension_id="77", record_uuid="0b7c")
        except errors.ApiError as error:  # the record may not exist; the credentials must pass
            assert not isinstance(error, errors.AuthenticationError), error
    with vendor("telphin").client(app, basic_auth=(USER["username"], "wrong")) as client:
        with pytest.raises(errors.AuthenticationError):
            client.download_record(extension_id="77", record_uuid="0b7c")


def test_every_token_of_a_client_is_one_caller_for_rate_limits() -> None:
    server = package("telphin", "server")
    settings = package("telphin", "_mock").MockConfig(clients={CLIENT["client_id"]: CLIENT["client_secret"]})
    handlers = server.DefaultHandlers(server.Spec(package("telphin", "_spec").RUNTIME), settings)
    api = http(server.create_app(handlers))
    grant = {"grant_type": "client_credentials", **CLIENT}
    tokens = [api.post("/oauth/token", data=grant).json()["access_token"] for _ in range(2)]
    assert tokens[0] != tokens[1]
    assert handlers.tokens.subject(tokens[0]) == handlers.tokens.subject(tokens[1]) == "portal/"
    assert handlers.tokens.subject("voxspec-mock-key") is None


def test_the_mfa_grant_finishes_a_password_sign_in_with_a_passcode() -> None:
    app, _clock = mock("netsapiens")
    api = http(app)
    first = api.post(f"{NS}/tokens", json={"grant_type": "password", **CLIENT, **USER}).json()["access_token"]
    mfa = {"grant_type": "mfa", **CLIENT, **USER, "access_token": first, "passcode": "123456"}
    answer = api.post(f"{NS}/tokens", json=mfa)
    assert answer.status_code == 200, answer.text
    assert api.get(f"{NS}/resellers", headers=bearer(answer.json()["access_token"])).status_code == 200
    # the first token must be one the mock issued to this client and user, and a passcode must be given
    for wrong in ({"access_token": first + "x"}, {"passcode": " "}, {"password": "nope"}):
        refused = api.post(f"{NS}/tokens", json=mfa | wrong)
        assert refused.status_code == 401 and "access_token" not in refused.json(), wrong
