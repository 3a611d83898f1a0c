"""The provider layer over a real HTTP upstream, as an HTTP vendor adapter uses it: which failures are retried,
counted, or raised at once, and how a classifier's verdict becomes the shared provider errors."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tripsage_core.errors import (
    ProviderMisconfigured,
    ProviderRateLimited,
    ProviderUnavailable,
)
from tripsage_http import (
    BreakerPolicy,
    BreakerState,
    CallPolicy,
    Failure,
    FailureKind,
    ProviderCaller,
    RetryPolicy,
    ServiceClient,
    UpstreamResponse,
    UpstreamUnavailable,
)
from tripsage_http.provider import ProviderAnswered
from tripsage_http.resilience import retry_after_s
from tripsage_testing.servers import ScriptedUpstream

Upstream = tuple[ScriptedUpstream, str]


def _classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, UpstreamUnavailable):
        return Failure(FailureKind.UNAVAILABLE, exc.detail)
    if not isinstance(exc, ProviderAnswered):
        return None
    status = exc.response.status_code
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, "throttled", status, retry_after_s(exc.response.headers))
    if status >= 500:
        return Failure(FailureKind.UNAVAILABLE, f"HTTP {status}", status)
    return Failure(FailureKind.MISCONFIGURED, f"HTTP {status}", status)


def _caller(base_url: str, **policy: Any) -> tuple[ProviderCaller, ServiceClient]:
    # As an HTTP vendor adapter builds it: the client only sends, the layer retries and owns the circuit.
    client = ServiceClient(
        name="vendor", base_url=base_url, retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(enabled=False)
    )
    defaults: dict[str, Any] = {"budget_s": 3.0, "backoff_initial_s": 0.01, "breaker_reset_s": 60}
    caller = ProviderCaller("vendor", provider="Vendor", classify=_classify, policy=CallPolicy(**defaults | policy))
    return caller, client


async def _get(client: ServiceClient, key: str, method: str = "GET") -> UpstreamResponse:
    response = await client.request(method, f"/scripted/{key}")
    if not response.is_success:
        raise ProviderAnswered(response, "scripted")
    return response


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


async def test_a_429_waits_its_retry_after_and_is_not_counted(upstream: Upstream, key: str) -> None:
    server, base_url = upstream
    server.script(key, (429, {"Retry-After": "1"}))
    caller, client = _caller(base_url, breaker_threshold=1)
    started = time.monotonic()
    response = await caller.call("op", lambda: _get(client, key))
    assert response.status_code == 200
    assert time.monotonic() - started >= 1.0
    assert server.hits[key] == 2
    assert await caller.state() is BreakerState.CLOSED  # a throttle is not an outage, even at threshold 1
    await client.aclose()


async def test_a_retry_after_beyond_the_budget_is_503_at_once_naming_it(upstream: Upstream, key: str) -> None:
    server, base_url = upstream
    server.script(key, (429, {"Retry-After": "9"}))
    caller, client = _caller(base_url, budget_s=1.0)
    with pytest.raises(ProviderRateLimited) as raised:
        await caller.call("op", lambda: _get(client, key))
    assert raised.value.headers["Retry-After"] == "9"
    assert server.hits[key] == 1
    await client.aclose()


async def test_a_non_idempotent_call_is_not_sent_again_after_an_outage(upstream: Upstream, key: str) -> None:
    server, base_url = upstream
    server.script(key, 503)
    caller, client = _caller(base_url)
    with pytest.raises(ProviderUnavailable):
        await caller.call("op", lambda: _get(client, key, "POST"), idempotent=False)
    assert server.hits[key] == 1
    await client.aclose()


async def test_outages_open_the_circuit_and_it_refuses_without_calling(upstream: Upstream, key: str) -> None:
    server, base_url = upstream
    server.script(key, 500, 500, 500)
    caller, client = _caller(base_url, attempts=1, breaker_threshold=3)
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            await caller.call("op", lambda: _get(client, key))
    assert await caller.state() is BreakerState.OPEN
    with pytest.raises(ProviderUnavailable, match="circuit is open") as refused:
        await caller.call("op", lambda: _get(client, key))
    assert refused.value.headers["Retry-After"] == "60"
    assert server.hits[key] == 3
    await client.aclose()


async def test_a_refusal_is_raised_at_once_and_never_counted(upstream: Upstream, key: str) -> None:
    server, base_url = upstream
    server.script(key, 401)
    caller, client = _caller(base_url, breaker_threshold=1)
    with pytest.raises(ProviderMisconfigured):
        await caller.call("op", lambda: _get(client, key))
    assert server.hits[key] == 1
    assert await caller.state() is BreakerState.CLOSED
    await client.aclose()


async def test_an_error_that_is_not_the_providers_passes_through_uncounted(upstream: Upstream, key: str) -> None:
    _, base_url = upstream
    caller, client = _caller(base_url, breaker_threshold=1)

    async def buggy() -> None:
        raise KeyError("our own bug")

    with pytest.raises(KeyError, match="our own bug"):
        await caller.call("op", buggy)
    assert await caller.state() is BreakerState.CLOSED
    await client.aclose()
