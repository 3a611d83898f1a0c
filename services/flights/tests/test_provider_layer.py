"""The shared provider layer is in the flights path for every provider: Retry-After honoured, five outages open the
circuit, and the answer is the shared provider problem type."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_flights.app import create_app
from tripsage_flights.config import FlightsSettings
from tripsage_http import BreakerState
from tripsage_testing.servers import serve_in_thread

from .conftest import SandboxControl

# Each provider and the sandbox endpoint a search calls first.
SEARCH_ENDPOINTS = pytest.mark.parametrize(
    ("provider", "endpoint"), [("amadeus", "flight_offers"), ("duffel", "offer_requests")]
)


def _search(url: str, auth: dict[str, str], days_ahead: int) -> httpx.Response:
    departure = (dt.date.today() + dt.timedelta(days=days_ahead)).isoformat()
    query = {"origin": "JFK", "destination": "LHR", "departure_date": departure, "adults": 1}
    return httpx.get(f"{url}/v1/flights/search", params=query, headers=auth, timeout=15, trust_env=False)


@contextmanager
def _served(sandbox: SandboxControl, redis_url: str, **overrides: Any) -> Iterator[tuple[str, FastAPI]]:
    settings = FlightsSettings(
        _env_file=None, provider_base_url=sandbox.url, redis_url=redis_url, access_log=False, **overrides
    )
    app = create_app(settings)
    with serve_in_thread(app, ready_path="/health") as url:
        yield url, app


@SEARCH_ENDPOINTS
def test_a_429_is_retried_after_its_retry_after_within_the_budget(
    sandbox: SandboxControl, empty_redis: str, auth: dict[str, str], provider: str, endpoint: str
) -> None:
    sandbox.fault("rate_limit", endpoint=endpoint, provider=provider, count=1, retry_after_s=1)
    with _served(sandbox, empty_redis, provider=provider, provider_timeout_s=4.0) as (url, _):
        response = _search(url, auth, 30)
    assert response.status_code == 200
    assert response.json()["meta"]["provider"] == provider
    first, second = sandbox.arrivals(endpoint, provider=provider)
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


@SEARCH_ENDPOINTS
def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    sandbox: SandboxControl, empty_redis: str, auth: dict[str, str], provider: str, endpoint: str
) -> None:
    sandbox.fault("error_500", endpoint=endpoint, provider=provider)
    overrides = {"provider": provider, "provider_attempts": 1, "breaker_threshold": 5, "breaker_reset_s": 60}
    with _served(sandbox, empty_redis, **overrides) as (url, app):
        failures = [_search(url, auth, 30 + day) for day in range(5)]  # distinct dates: no cache answers
        refused = _search(url, auth, 40)
        state = asyncio.run(app.state.service.provider.caller.state())
    assert [r.status_code for r in failures] == [503] * 5
    assert {r.json()["type"] for r in failures} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    assert state is BreakerState.OPEN
    assert refused.status_code == 503
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert sandbox.calls(endpoint, provider=provider) == 5  # the open circuit kept the sixth search from the provider
