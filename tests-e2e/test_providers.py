"""The stack calls only the providers it was told to (FLIGHTS_PROVIDER, STAYS_PROVIDER): the sandbox's request
counters show the selected provider's paths and never the other's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from tripsage_devstack.harness import RunningStack

SANDBOX_PORT = 8100
# The sandbox counts flights and stays calls under these names; "other" is any path of theirs it does not serve.
TRAVEL_PROVIDERS = ("amadeus", "duffel")


def _counts(sandbox: httpx.Client) -> dict[str, dict[str, int]]:
    stats: dict[str, Any] = sandbox.get("/__sandbox/stats").raise_for_status().json()
    return {name: dict(stats["providers"].get(name, {}).get("endpoints", {})) for name in TRAVEL_PROVIDERS}


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def test_only_the_selected_providers_paths_are_called(stack: RunningStack, providers: dict[str, str]) -> None:
    auth = {"authorization": f"Bearer {stack.token(f'providers-{uuid.uuid4().hex[:8]}')}"}
    with (
        httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10) as sandbox,
        httpx.Client(base_url=stack.topology.gateway_url, headers=auth, trust_env=False, timeout=20) as gateway,
    ):
        before = _counts(sandbox)
        search = gateway.get(
            "/v1/flights/search", params={"origin": "CDG", "destination": "FCO", "departure_date": _day(75)}
        )
        priced = gateway.post("/v1/flights/price", json={"offer_id": search.json()["offers"][0]["id"]})
        places = gateway.get("/v1/flights/locations", params={"q": "Lisbon"})
        stays = gateway.get(
            "/v1/stays/search",
            params={"city_code": "ROM", "check_in": _day(75), "check_out": _day(77), "adults": 1},
        )
        checked = gateway.get(f"/v1/stays/offers/{stays.json()['hotels'][0]['offers'][0]['id']}")
        after = _counts(sandbox)
    assert [r.status_code for r in (search, priced, places, stays, checked)] == [200] * 5
    assert {search.json()["meta"]["provider"], places.json()["meta"]["provider"]} == {providers["flights"]}
    assert stays.json()["meta"]["provider"] == providers["stays"]
    called = {
        name: {endpoint for endpoint, count in after[name].items() if count > before[name].get(endpoint, 0)}
        for name in TRAVEL_PROVIDERS
    }
    selected = set(providers.values())
    for name in TRAVEL_PROVIDERS:
        if name in selected:
            assert called[name], f"{name} is selected but was never called"
        else:
            assert called[name] == set(), f"{name} is not selected but was called: {called[name]}"
