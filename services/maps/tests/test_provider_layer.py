"""The shared provider layer is in every maps path, the googlemaps SDK's and the current APIs' alike: Retry-After
honoured within the budget, five outages open the circuit, and the answer is the shared provider problem type."""

from __future__ import annotations

import asyncio

import pytest

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_http import BreakerState, ProviderCaller
from tripsage_testing.sandbox import SandboxControl

from .conftest import MakeClient

GEOCODE = "/v1/maps/geocode"
# (route, params, sandbox provider, sandbox endpoint, the caller in the app state that owns that circuit)
PATHS = {
    "geocoding (SDK)": (GEOCODE, {"address": "Kyoto"}, "google", "geocode"),
    "routes": ("/v1/maps/directions", {"origin": "Kyoto", "destination": "Nara"}, "google_routes", "computeRoutes"),
    "places (new)": ("/v1/maps/places", {"query": "museums in Kyoto"}, "google_places", "searchText"),
}
SECOND_CALL = {
    "geocoding (SDK)": {"address": "Osaka"},
    "routes": {"origin": "Kyoto", "destination": "Osaka"},
    "places (new)": {"query": "museums in Osaka"},
}
THIRD_CALL = {
    "geocoding (SDK)": {"address": "Nara"},
    "routes": {"origin": "Kyoto", "destination": "Kobe"},
    "places (new)": {"query": "museums in Nara"},
}


def _caller(app: object, provider: str) -> ProviderCaller:
    providers = app.state.service.provider  # type: ignore[attr-defined]
    if provider == "google":
        return providers.sdk.caller  # type: ignore[no-any-return]
    name = provider.replace("_", "-")
    return next(rpc.caller for rpc in providers.current if rpc.provider == name)  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_429_is_retried_after_its_retry_after_within_the_budget(
    make_client: MakeClient, sandbox: SandboxControl, path: str
) -> None:
    route, params, provider, endpoint = PATHS[path]
    sandbox.fault("rate_limit", endpoint=endpoint, provider=provider, count=1, retry_after_s=1)
    with make_client(provider_timeout_s=3.0) as client:
        response = client.get(route, params=params)
    assert response.status_code == 200
    first, second = sandbox.arrivals(endpoint, provider=provider)
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


@pytest.mark.parametrize("path", sorted(PATHS))
def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    make_client: MakeClient, sandbox: SandboxControl, path: str
) -> None:
    route, params, provider, endpoint = PATHS[path]
    sandbox.fault("drop", endpoint=endpoint, provider=provider)
    with make_client(breaker_threshold=5, breaker_reset_s=60) as client:
        answers = [client.get(route, params=p) for p in (params, SECOND_CALL[path])]
        assert sandbox.calls(endpoint, provider=provider) == 5  # three attempts, then two: the fifth opened it
        state = asyncio.run(_caller(client.app, provider).state())
        refused = client.get(route, params=THIRD_CALL[path])
    assert state is BreakerState.OPEN
    assert [a.status_code for a in answers] == [503, 503]
    assert {a.json()["type"] for a in answers} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert sandbox.calls(endpoint, provider=provider) == 5  # refused without reaching Google
