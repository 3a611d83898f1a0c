"""The real SDK against a real sandbox, with faults injected: retries, Retry-After, budget, breaker, error mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import amadeus
import pytest
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusCaller, AmadeusServiceSettings, build_client
from tripsage_core.errors import (
    ProviderMisconfigured,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from tripsage_http.provider import CallPolicy
from tripsage_http.resilience import BreakerState
from tripsage_testing.sandbox import SandboxControl

DEPARTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


class DemoSettings(AmadeusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")


def _caller(sandbox: SandboxControl, *, client_id: str | None = None, **policy: Any) -> AmadeusCaller:
    settings = DemoSettings(_env_file=None, provider_base_url=sandbox.url, provider_timeout_s=10.0)
    client = build_client(settings)
    if client_id is not None:
        client.client_id = client_id
    # A budget far above any load delay of the local sandbox: a test about the budget sets a short one of its own.
    defaults: dict[str, Any] = {"budget_s": 10.0, "attempts": 3, "backoff_initial_s": 0.05, "breaker_threshold": 3}
    return AmadeusCaller(client, name="demo", policy=CallPolicy(**{**defaults, **policy}))


def _search(client: amadeus.Client) -> Any:
    return client.shopping.flight_offers_search.get(
        originLocationCode="JFK", destinationLocationCode="LHR", departureDate=DEPARTURE, adults=1, max=2
    )


async def test_returns_the_providers_json(sandbox: SandboxControl) -> None:
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"][0]["type"] == "flight-offer"


async def test_retries_server_errors_then_succeeds(sandbox: SandboxControl) -> None:
    sandbox.fault("error_500", endpoint="flight_offers", count=2)
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"]
    assert sandbox.calls("flight_offers") == 3


async def test_retries_a_dropped_connection(sandbox: SandboxControl) -> None:
    sandbox.fault("drop", endpoint="flight_offers", count=1)
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"]
    assert sandbox.calls("flight_offers") == 2


async def test_rate_limit_waits_for_retry_after_then_succeeds(sandbox: SandboxControl) -> None:
    sandbox.fault("rate_limit", endpoint="flight_offers", count=1, retry_after_s=1)
    started = time.monotonic()
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"]
    assert time.monotonic() - started >= 0.95


async def test_rate_limit_longer_than_the_budget_is_503_with_retry_after_at_once(sandbox: SandboxControl) -> None:
    sandbox.fault("rate_limit", endpoint="flight_offers", count=1, retry_after_s=30)
    started = time.monotonic()
    with pytest.raises(ProviderRateLimited) as raised:
        await _caller(sandbox, budget_s=20.0).sdk("flight_offers", _search)
    # Waiting would take the whole 20 s budget; "at once" is anything far below it, however busy the machine.
    assert time.monotonic() - started < 10.0
    assert raised.value.status_code == 503
    assert raised.value.headers["Retry-After"] == "30"
    assert sandbox.calls("flight_offers") == 1


async def test_persistent_server_errors_are_503_after_the_attempts(sandbox: SandboxControl) -> None:
    sandbox.fault("error_500", endpoint="flight_offers")
    with pytest.raises(ProviderUnavailable) as raised:
        await _caller(sandbox, breaker_threshold=10).sdk("flight_offers", _search)
    assert raised.value.status_code == 503
    assert sandbox.calls("flight_offers") == 3


async def test_a_slow_provider_is_504_within_the_budget(sandbox: SandboxControl) -> None:
    sandbox.fault("slow", endpoint="flight_offers", delay_s=60)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as raised:
        await _caller(sandbox, budget_s=1.0).sdk("flight_offers", _search)
    # Far below the provider's 60 s and far above the 1 s budget: load cannot move the verdict.
    assert time.monotonic() - started < 30.0
    assert raised.value.status_code == 504


async def test_the_circuit_opens_after_consecutive_failures_and_fails_fast(sandbox: SandboxControl) -> None:
    sandbox.fault("error_500", endpoint="flight_offers")
    caller = _caller(sandbox, attempts=1, breaker_threshold=3, breaker_reset_s=30)
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            await caller.sdk("flight_offers", _search)
    assert await caller.state() is BreakerState.OPEN
    calls_before = sandbox.calls("flight_offers")
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="paused"):
        await caller.sdk("flight_offers", _search)
    assert sandbox.calls("flight_offers") == calls_before
    assert time.monotonic() - started < 15.0  # far below the 30 s it would take to wait for the probe


async def test_the_circuit_closes_again_after_a_successful_probe(sandbox: SandboxControl) -> None:
    sandbox.fault("error_500", endpoint="flight_offers", count=2)
    caller = _caller(sandbox, attempts=1, breaker_threshold=2, breaker_reset_s=0.3)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            await caller.sdk("flight_offers", _search)
    await asyncio.sleep(0.35)
    assert (await caller.sdk("flight_offers", _search))["data"]
    assert await caller.state() is BreakerState.CLOSED


async def test_provider_validation_errors_are_422_naming_our_field(sandbox: SandboxControl) -> None:
    def past_search(client: amadeus.Client) -> Any:
        return client.shopping.flight_offers_search.get(
            originLocationCode="JFK", destinationLocationCode="LHR", departureDate="2020-01-01", adults=1
        )

    with pytest.raises(ProviderRejected) as raised:
        await _caller(sandbox).sdk("flight_offers", past_search, fields={"departureDate": "departure_date"})
    assert raised.value.status_code == 422
    assert raised.value.errors[0]["field"] == "departure_date"
    assert "past" in raised.value.errors[0]["message"]
    assert sandbox.calls("flight_offers") == 1


async def test_rejected_credentials_are_502_without_retries(
    sandbox: SandboxControl, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ProviderMisconfigured) as raised:
        await _caller(sandbox, client_id="").sdk("flight_offers", _search)
    assert raised.value.status_code == 502
    assert sandbox.calls("token") == 1
    assert "provider_credentials_rejected" in capsys.readouterr().out


async def test_unknown_resources_are_404(sandbox: SandboxControl) -> None:
    def unknown_offer(client: amadeus.Client) -> Any:
        return client.shopping.hotel_offer_search("SBXNOSUCHOFFER").get()

    with pytest.raises(ProviderNotFound):
        await _caller(sandbox).sdk("hotel_offer", unknown_offer)


async def test_a_malformed_body_is_retried_like_a_server_error(sandbox: SandboxControl) -> None:
    sandbox.fault("malformed", endpoint="flight_offers", count=1)
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"]
    assert sandbox.calls("flight_offers") == 2


async def test_a_failing_token_endpoint_is_retried(sandbox: SandboxControl) -> None:
    sandbox.fault("error_503", endpoint="token", count=1)
    result = await _caller(sandbox).sdk("flight_offers", _search)
    assert result["data"]
    assert sandbox.calls("token") == 2


async def test_a_hung_attempt_is_abandoned_and_retried_within_the_budget(sandbox: SandboxControl) -> None:
    sandbox.fault("slow", endpoint="flight_offers", delay_s=60, count=1)
    started = time.monotonic()
    result = await _caller(sandbox, budget_s=30.0, attempt_timeout_s=2.0).sdk("flight_offers", _search)
    # An answer within the budget means the 60 s attempt was abandoned; two calls mean it was retried.
    assert result["data"]
    assert sandbox.calls("flight_offers") == 2
    assert time.monotonic() - started >= 2.0  # the abandoned attempt had its full attempt time
