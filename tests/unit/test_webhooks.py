"""The generated `webhooks.parse_event` (template package/webhooks.py.j2) for the ways a vendor posts events: the
event named in a body field (dispatch by name), or named nowhere, the receiver giving the event it subscribed to,
each body one object or a JSON array of records (a batch)."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

from generator.build import build
from generator.ir import Api
from generator.load import parse
from generator.render import render
from tests.unit.specs import valid

THING = {"$ref": "#/components/schemas/Thing"}
GADGET = {
    "type": "object",
    "required": ["serial"],
    "properties": {"serial": {"type": "string"}},
}


def hook(event: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {
        "post": {
            "operationId": f"receive_{event.replace(':', '_')}",
            "summary": f"A {event} happened",
            "x-voxspec-webhook-event": {"event": event},
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schema, "example": example}},
            },
            "responses": {"200": {"description": "taken"}},
        }
    }


def subscribed_spec() -> dict[str, Any]:
    """Posts name no event; a subscription's `model` says which: `thing` posts arrays, `gadget` one object."""
    spec = valid()
    spec["components"]["schemas"]["Gadget"] = GADGET
    spec["paths"]["/subscriptions"] = {
        "post": {
            "operationId": "create_subscription",
            "summary": "Subscribe",
            "tags": ["things"],
            "x-voxspec-subscription": {"url": "post-url", "event": "model"},
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"model": {"type": "string"}, "post-url": {"type": "string"}},
                        }
                    }
                }
            },
            "responses": {"204": {"description": "subscribed"}},
        }
    }
    spec["webhooks"] = {
        "thing_event": hook("thing", {"type": "array", "items": THING}, [{"id": 1, "name": "one"}]),
        "gadget_event": hook("gadget", {"$ref": "#/components/schemas/Gadget"}, {"serial": "g-1"}),
    }
    return spec


def named_spec() -> dict[str, Any]:
    """Each body names its event in an `event` field, as the call-center vendor's do."""
    spec = valid()
    spec["components"]["schemas"]["Made"] = {
        "type": "object",
        "required": ["event", "id"],
        "properties": {"event": {"type": "string", "const": "thing:made"}, "id": {"type": "integer"}},
    }
    spec["webhooks"] = {
        "made": hook("thing:made", {"$ref": "#/components/schemas/Made"}, {"event": "thing:made", "id": 3})
    }
    return spec


def built(spec: dict[str, Any], vendor: str) -> Api:
    return build(parse(json.dumps(spec), f"specs/{vendor}/openapi.yaml"), vendor)


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Any]:
    """Render a spec's package into tmp_path and import its webhooks module."""
    added: list[str] = []

    def install(spec: dict[str, Any], vendor: str) -> ModuleType:
        for name, data in render(built(spec, vendor)).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(data)
        added.append(f"voxspec_{vendor}")
        return importlib.import_module(f"voxspec_{vendor}.webhooks")

    sys.path.insert(0, str(tmp_path))
    yield install
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if any(m == a or m.startswith(a + ".") for a in added)]:
        del sys.modules[name]


def test_the_ir_says_which_bodies_are_batches_and_which_name_their_event() -> None:
    api = built(subscribed_spec(), "hooksir")
    thing, gadget = api.webhooks
    assert (thing.batch, thing.event_field, thing.record_type) == (True, None, "models.Thing")
    assert (gadget.batch, gadget.event_field, gadget.record_type) == (False, None, "models.Gadget")
    assert api.webhook_key == "model", "named after the subscription field that names the event"
    [made] = built(named_spec(), "namedir").webhooks
    assert (made.batch, made.event_field, made.record_type) == (False, "event", "models.Made")
    assert built(named_spec(), "namedir").webhook_key == "event", "no subscription: the keyword is `event`"


def test_a_post_naming_no_event_parses_by_the_subscriptions_model(installed: Any) -> None:
    webhooks = installed(subscribed_spec(), "hookssub")
    things = webhooks.parse_event(b'[{"id": 1, "name": "one"}, {"id": 2}]', model="thing")
    assert [(type(t).__name__, t.id) for t in things] == [("Thing", 1), ("Thing", 2)]
    assert webhooks.parse_event([], model="thing") == []
    gadget = webhooks.parse_event('{"serial": "g-1"}', model="gadget")
    assert type(gadget).__name__ == "Gadget" and gadget.serial == "g-1"
    assert webhooks.BATCHED == {"thing"}
    with pytest.raises(webhooks.UnknownEventError, match="JSON array"):
        webhooks.parse_event({"id": 1}, model="thing")
    with pytest.raises(webhooks.UnknownEventError, match="JSON object"):
        webhooks.parse_event([{"serial": "g-1"}], model="gadget")
    with pytest.raises(webhooks.UnknownEventError, match="widget"):
        webhooks.parse_event(b"[]", model="widget")
    with pytest.raises(ValidationError):
        webhooks.parse_event([{"id": 1}, {"id": "two"}], model="thing")
    with pytest.raises(TypeError):
        webhooks.parse_event(b"[]")  # the event is not in the body: it must be given


def test_a_body_naming_its_event_still_dispatches_by_name(installed: Any) -> None:
    webhooks = installed(named_spec(), "hooksnamed")
    made = webhooks.parse_event(b'{"event": "thing:made", "id": 3}')
    assert type(made).__name__ == "Made" and made.id == 3
    assert webhooks.EVENT_FIELDS == ["event"] and not hasattr(webhooks, "BATCHED")
    with pytest.raises(webhooks.UnknownEventError):
        webhooks.parse_event({"event": "thing:lost", "id": 3})


def test_the_parser_is_typed_per_model(installed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a type checker sees at the user's call: the model's records, by the literal model given."""
    api = pytest.importorskip("mypy.api")
    installed(subscribed_spec(), "hookstyped")
    user = tmp_path / "receiver.py"
    user.write_text(
        "from voxspec_hookstyped.webhooks import parse_event\n"
        'reveal_type(parse_event(b"[]", model="thing"))\n'
        'reveal_type(parse_event(b"{}", model="gadget"))\n'
        'parse_event(b"[]", model="thing")[0].serial\n',
        "utf-8",
    )
    monkeypatch.setenv("MYPYPATH", str(tmp_path))
    out, _err, status = api.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, str(user)])
    assert status == 1, out  # the last line reads a field Thing does not have
    assert 'Revealed type is "list[voxspec_hookstyped.models.Thing]"' in out, out
    assert 'Revealed type is "voxspec_hookstyped.models.Gadget"' in out, out
    assert '"Thing" has no attribute "serial"' in out, out
