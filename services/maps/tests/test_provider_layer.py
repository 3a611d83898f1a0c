"""The shared provider layer is in the maps path: Retry-After honoured, five outages open the circuit, and the
answer is the shared provider problem type."""

from __future__ import annotations

import asyncio

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_http import BreakerState
from tripsage_testing.sandbox import SandboxControl

from .conftest import MakeClient

GEOCODE = "/v1/maps/geocode"


def test_a_429_is_retried_after_its_retry_after_within_the_budget(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    sandbox.fault("rate_limit", endpoint="geocode", count=1, retry_after_s=1)
    with make_client(provider_timeout_s=3.0) as client:
        response = client.get(GEOCODE, params={"address": "Kyoto"})
    assert response.status_code == 200
    first, second = sandbox.arrivals("geocode")
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    sandbox.fault("drop", endpoint="geocode")
    with make_client(breaker_threshold=5, breaker_reset_s=60) as client:
        answers = [client.get(GEOCODE, params={"address": city}) for city in ("Kyoto", "Osaka")]
        assert sandbox.calls() == 5  # three attempts, then two: the fifth failure opened the circuit
        state = asyncio.run(client.app.state.service.google.caller.state())  # type: ignore[attr-defined]
        refused = client.get(GEOCODE, params={"address": "Nara"})
    assert state is BreakerState.OPEN
    assert [a.status_code for a in answers] == [503, 503]
    assert {a.json()["type"] for a in answers} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert sandbox.calls() == 5  # refused without reaching Google
