"""The shared provider layer is in the weather path: Retry-After honoured, five outages open the circuit, and the
answer is the shared provider problem type."""

from __future__ import annotations

import asyncio
from typing import Any

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_http import BreakerState
from tripsage_testing.sandbox import SandboxControl

AppFactory = Any
AUTH = {"authorization": f"Bearer {mint_token(sub='dev-user', secret=DEVELOPMENT_JWT_SECRET)}"}


def test_a_429_is_retried_after_its_retry_after_within_the_budget(
    make_client: AppFactory, sandbox: SandboxControl
) -> None:
    client = make_client(provider_timeout_s=3.0)
    sandbox.fault("rate_limit", endpoint="forecast", count=1, retry_after_s=1)
    response = client.get("/v1/weather/forecast", params={"lat": 35.01, "lon": 135.77}, headers=AUTH)
    assert response.status_code == 200
    first, second = sandbox.arrivals("forecast")
    assert second - first >= 1.0  # measured on the sandbox's clock, between the two attempts it received


def test_five_consecutive_outages_open_the_circuit_with_the_shared_problem_type(
    make_client: AppFactory, sandbox: SandboxControl
) -> None:
    client = make_client(provider_retry_attempts=1, breaker_threshold=5, breaker_reset_s=60)
    sandbox.fault("error_500", endpoint="forecast")
    failures = [
        client.get("/v1/weather/forecast", params={"lat": 10.0 + i, "lon": 20.0}, headers=AUTH) for i in range(5)
    ]
    refused = client.get("/v1/weather/forecast", params={"lat": 30.0, "lon": 20.0}, headers=AUTH)
    state = asyncio.run(client.app.state.service.provider.caller.state())
    assert [r.status_code for r in failures] == [503] * 5
    assert {r.json()["type"] for r in failures} == {PROBLEM_TYPE_BASE + "provider-unavailable"}
    assert state is BreakerState.OPEN
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "provider-unavailable"
    assert sandbox.calls("forecast") == 5  # the open circuit kept the sixth call away from the provider
