"""Stateful schemathesis runs through the OpenAPI links each spec declares (create -> read ->
update -> delete), against each vendor's mock, with every check.

Each run also proves the links were followed: some linked read answered 2xx with what was created.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.config import ProjectConfig

from tests.contract.fuzz import STATEFUL_EXAMPLES, STATEFUL_STEPS, load
from tests.helpers import ROOT, package, vendors

LINKED = [v for v in vendors() if "links:" in (ROOT / "specs" / v / "openapi.yaml").read_text("utf-8")]


class Fresh:
    """The vendor's mock, started afresh for each scenario: hypothesis replays a scenario to shrink it and
    must see the same answers, which a state left over from other scenarios (a name taken, 409) changes."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.restart()

    def restart(self) -> None:
        self.app = package(self.vendor, "server").create_app()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.mark.parametrize("vendor", LINKED)
def test_stateful_links(vendor: str) -> None:
    mock = Fresh(vendor)
    schema = load(vendor, mock)
    # Only the links the spec declares: schemathesis' inferred links pair any body field with a path
    # parameter of the same name, and Avaya's body `accountId` is a UUID where the path's is a 6-letter code.
    # schemathesis' documented `[phases.stateful.inference]` setting, through its public config loader
    inference: dict[str, Any] = {"phases": {"stateful": {"inference": {"algorithms": []}}}}
    schema.config.phases.stateful.inference = ProjectConfig.from_dict(inference).phases.stateful.inference
    base = schema.as_state_machine()
    seen: Counter[tuple[str, int]] = Counter()

    class Machine(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            mock.restart()

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            seen[(case.operation.label, response.status_code)] += 1

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    linked_reads = sum(
        n for (label, status), n in seen.items() if label.startswith("GET ") and "{" in label and 200 <= status < 300
    )
    print(
        f"\nstateful {vendor}: {STATEFUL_EXAMPLES} scenarios of up to {STATEFUL_STEPS} steps, "
        f"{sum(seen.values())} calls, {linked_reads} GETs by id answered 2xx"
    )
    assert linked_reads > 0, f"no linked read succeeded: {sorted(seen.items())[:20]}"
