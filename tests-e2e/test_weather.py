"""The weather service's acceptance, through the gateway of a whole running stack over real HTTP."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tripsage_devstack.harness import RunningStack as Stack
from tripsage_devstack.topology import SANDBOX_PORT

PROBLEM = "application/problem+json"
# Every caller is answered by the gateway's upstream deadline (GATEWAY_UPSTREAM_TIMEOUT_S, 2 s) at the latest; the
# verdict is what it answers. Only a hang comes near this bound, and no load delay does.
HANG_S = 30.0


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=5) as control:
        yield control
        control.delete("/__sandbox/faults").raise_for_status()


def _get(stack: Stack, client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return client.get(
        f"{stack.topology.gateway_url}/v1/weather/{path}",
        params=params,
        headers={"authorization": f"Bearer {stack.token()}"},
    )


def test_kyoto_forecast_is_five_days_in_tokyo_local_dates(stack: Stack, client: httpx.Client) -> None:
    response = _get(stack, client, "forecast", lat=35.01, lon=135.77, days=5)
    assert response.status_code == 200
    body = response.json()
    assert body["place"]["timezone"] == "Asia/Tokyo"
    dates = [dt.date.fromisoformat(day["date"]) for day in body["days"]]
    assert len(dates) == 5
    tokyo_today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo")).date()
    assert dates[0] in (tokyo_today, tokyo_today + dt.timedelta(days=1))
    assert dates == [dates[0] + dt.timedelta(days=n) for n in range(5)]
    assert response.headers["x-cache"] in ("miss", "hit")
    assert body["meta"]["sandbox"] is True


def test_latitude_out_of_range_is_422_naming_lat(stack: Stack, client: httpx.Client) -> None:
    response = _get(stack, client, "forecast", lat=95, lon=135.77, days=5)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "lat"


def test_trip_beyond_the_horizon_is_marked_unavailable(stack: Stack, client: httpx.Client) -> None:
    start = dt.date.today() + dt.timedelta(days=3)
    response = _get(stack, client, "trip", lat=48.86, lon=2.35, start=str(start), end=str(start + dt.timedelta(days=6)))
    assert response.status_code == 200
    statuses = [day["status"] for day in response.json()["days"]]
    assert statuses[0] == "forecast"
    assert statuses[-1] == "unavailable"


def test_provider_down_with_nothing_cached_is_503_within_the_budget(
    stack: Stack, client: httpx.Client, sandbox: httpx.Client
) -> None:
    armed = sandbox.post("/__sandbox/faults", json={"provider": "owm", "kind": "drop"})
    assert armed.status_code == 201
    started = time.perf_counter()
    # A place nobody asked for yet, so no cached copy can answer.
    response = _get(stack, client, "forecast", lat=-33.87, lon=151.21, days=3)
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert elapsed < HANG_S
    # Provider back: once the breaker lets a probe through, the same place is served again.
    sandbox.delete("/__sandbox/faults").raise_for_status()
    deadline = time.monotonic() + 60  # how soon it recovers depends on the machine's load
    while (back := _get(stack, client, "forecast", lat=-33.87, lon=151.21, days=3)).status_code != 200:
        assert time.monotonic() < deadline, back.text
        time.sleep(0.5)
    assert back.json()["place"]["timezone"] == "Australia/Sydney"
