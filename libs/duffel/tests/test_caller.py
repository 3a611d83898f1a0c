"""DuffelCaller against the sandbox's Duffel API: headers it must send, its error envelope, its rate limits."""

from __future__ import annotations

import datetime as dt
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from tripsage_core.errors import ProviderNotFound, ProviderRateLimited, ProviderRejected
from tripsage_core.settings import ConfigurationError
from tripsage_duffel import PROVIDER_NAME, DuffelCaller, DuffelServiceSettings, rate_limit_wait_s
from tripsage_testing.sandbox import SandboxControl, running_sandbox


class _Settings(DuffelServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TOURS_")
    registry: ClassVar[str | None] = None


def _caller(base_url: str, **overrides: Any) -> DuffelCaller:
    settings = _Settings(_env_file=None, provider=PROVIDER_NAME, provider_base_url=base_url, **overrides)
    return DuffelCaller.from_settings(settings, name="tours")


def _offer_request(origin: str) -> dict[str, Any]:
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return {
        "slices": [{"origin": origin, "destination": "LHR", "departure_date": day}],
        "passengers": [{"type": "adult"}],
    }


async def test_an_offer_request_is_answered_with_data_the_sandbox_only_gives_a_versioned_bearer_client(
    sandbox: SandboxControl,
) -> None:
    caller = _caller(sandbox.url)
    try:
        body = await caller.send("offer_requests", "POST", "/air/offer_requests", data=_offer_request("JFK"))
    finally:
        await caller.aclose()
    assert body["data"]["id"].startswith("orq_")
    assert body["data"]["live_mode"] is False
    assert body["data"]["offers"]
    assert sandbox.calls("offer_requests") == 1


async def test_a_validation_error_is_a_422_naming_our_field_with_duffels_codes(sandbox: SandboxControl) -> None:
    caller = _caller(sandbox.url)
    try:
        with pytest.raises(ProviderRejected) as raised:
            await caller.send(
                "offer_requests",
                "POST",
                "/air/offer_requests",
                data=_offer_request("ZZZ"),
                fields={"slices.0.origin": "origin"},
            )
    finally:
        await caller.aclose()
    problem = raised.value.to_problem()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == ["origin"]
    assert problem["provider_codes"] == ["invalid_data"]
    assert problem["provider_request_id"]
    assert sandbox.calls("offer_requests") == 1  # a refusal is never retried


async def test_an_offer_duffel_no_longer_has_is_not_found(sandbox: SandboxControl) -> None:
    caller = _caller(sandbox.url)
    try:
        with pytest.raises(ProviderNotFound):
            await caller.send("offer", "GET", "/air/offers/off_NotAnOfferTheSandboxIssued")
    finally:
        await caller.aclose()


async def test_duffels_own_rate_limit_beyond_the_budget_is_rate_limited_with_retry_after(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, SANDBOX_DUFFEL_RATE_LIMIT="2") as limited:
        caller = _caller(limited.url, provider_timeout_s=2.0)
        try:
            for _ in range(2):
                await caller.send("places", "GET", "/places/suggestions", params={"query": "LON"})
            started = time.monotonic()
            with pytest.raises(ProviderRateLimited) as raised:
                await caller.send("places", "GET", "/places/suggestions", params={"query": "LON"})
            elapsed = time.monotonic() - started
        finally:
            await caller.aclose()
    # The window frees up in about a minute: far beyond the budget, so no wait is spent on a retry that can't fit.
    assert int(raised.value.headers["Retry-After"]) >= 20
    assert elapsed < 2.0


def test_without_retry_after_the_wait_is_read_from_ratelimit_reset() -> None:
    headers = {"ratelimit-limit": "60", "ratelimit-remaining": "0", "ratelimit-reset": formatdate(time.time() + 6)}
    wait = rate_limit_wait_s(headers)
    assert wait is not None
    assert 4.0 <= wait <= 6.0
    assert rate_limit_wait_s({"retry-after": "2", **headers}) == 2.0
    assert rate_limit_wait_s({}) is None


def test_the_token_is_required_only_when_duffel_is_selected() -> None:
    with pytest.raises(ConfigurationError, match="TOURS_DUFFEL_ACCESS_TOKEN"):
        _Settings(_env_file=None, provider=PROVIDER_NAME, environment="production", jwt_secret="a-real-jwt-secret-9x")
    other = _Settings(_env_file=None, provider="amadeus", environment="production", jwt_secret="a-real-jwt-secret-9x")
    assert other.duffel_access_token is None
