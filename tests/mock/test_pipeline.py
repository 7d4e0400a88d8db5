"""The request pipeline's own guards, in-process: what it keeps for whom, and how much."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from tests.helpers import MOCK_KEY, package, sync_transport


def pipeline_app() -> tuple[object, httpx.Client]:
    mock = package("telphin", "_mock")
    spec = mock.Spec(package("telphin", "_spec").RUNTIME)
    pipeline = mock.Pipeline(spec, package("telphin", "server").DefaultHandlers(spec))
    route = Route("/agents/{extension_id}", pipeline.dispatcher({"GET": "list_agents"}), methods=["GET"])
    return pipeline, httpx.Client(transport=sync_transport(Starlette(routes=[route])), base_url="http://mock")


def test_unauthenticated_callers_leave_nothing_in_the_memos() -> None:
    pipeline, api = pipeline_app()
    for i in range(20):
        assert api.get(f"/agents/{i}?page={i}&q={'x' * 2000}").status_code == 401
    assert len(pipeline._queries) == 0 and len(pipeline._parameters) == 0  # type: ignore[attr-defined]
    assert api.get("/agents/77?page=1", headers={"Authorization": f"Bearer {MOCK_KEY}"}).status_code == 200
    assert len(pipeline._queries) == 1  # type: ignore[attr-defined]


def test_parameter_verdicts_are_keyed_by_value_not_by_object_identity() -> None:
    pipeline, api = pipeline_app()
    assert api.get("/agents/77?page=1", headers={"Authorization": f"Bearer {MOCK_KEY}"}).status_code == 200
    keys = set(pipeline._parameters._data)  # type: ignore[attr-defined]
    # the operation, place and name of the parameter and its text: the same after a spec is reloaded or copied
    assert ("list_agents", "path", "extension_id", ("77",)) in keys, keys


def test_memos_are_bounded_by_bytes_not_count() -> None:
    memo = package("telphin", "_mock").runtime.Memo(max_bytes=100_000, max_entry=10_000)
    for i in range(1000):
        memo.put(i, "v", 2_000)
        assert memo.size <= 100_000
    memo.put("huge", "v", 20_000)  # one entry past max_entry is not worth keeping
    assert memo.get("huge") is None and memo.get(999) == "v"


@pytest.mark.parametrize("body", ["[" * 3000 + "]" * 3000, '{"a":' * 100 + "1" + "}" * 100])
def test_deep_json_is_a_400_in_the_vendor_shape_and_one_log_line(body: str, caplog: pytest.LogCaptureFixture) -> None:
    app = package("netsapiens", "server").create_app()
    api = httpx.Client(transport=sync_transport(app), base_url="http://mock")
    with caplog.at_level(logging.DEBUG, logger="voxspec.mock"):
        answer = api.post("/ns-api/v2/tokens", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json() == {
        "code": 400,
        "message": "the body nests deeper than 64 levels",
    }
    assert all(record.exc_info is None for record in caplog.records), caplog.text
    assert "Traceback" not in caplog.text
