"""The shared provider layer is in the maps path: Retry-After honoured, five outages open the circuit, and the
answer is the shared provider problem type."""

from __future__ import annotations

import asyncio

import httpx

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_http import BreakerState

from .conftest import MakeClient, arm_fault, google_calls

GEOCODE = "/v1/maps/geocode"


def _arrivals(sandbox_url: str, endpoint: str) -> list[float]:
    stats = httpx.get(f"{sandbox_url}/__sandbox/stats", trust_env=False).json()
    return [float(t) for t in stats["providers"]["google"].get("arrivals", {}).get(endpoint, [])]


def test_a_429_is_retried_after_its_retry_after_within_the_budget(make_client: MakeClient, sandbox_url: str) -> None:
    arm_fault(sandbox_url, endpoint="geocode", kind="rate_limit", count=1, retry_after_s=1)
    with make_client(provider_timeout_s=3.0) as client:
        response = client.get(GEOCODE, params={"address": "Kyoto"})
    assert response.status_code == 200
    first, second = _arrivals(sandbox_url, "geocode")
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    make_client: MakeClient, sandbox_url: str
) -> None:
    arm_fault(sandbox_url, endpoint="geocode", kind="drop")
    with make_client(breaker_threshold=5, breaker_reset_s=60) as client:
        answers = [client.get(GEOCODE, params={"address": city}) for city in ("Kyoto", "Osaka")]
        assert google_calls(sandbox_url) == 5  # three attempts, then two: the fifth failure opened the circuit
        state = asyncio.run(client.app.state.service.google.caller.state())  # type: ignore[attr-defined]
        refused = client.get(GEOCODE, params={"address": "Nara"})
    assert state is BreakerState.OPEN
    assert [a.status_code for a in answers] == [503, 503]
    assert {a.json()["type"] for a in answers} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert google_calls(sandbox_url) == 5  # refused without reaching Google
