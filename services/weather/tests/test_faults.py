"""Provider and cache faults, injected into a real sandbox: retries, breaker, stale copies, bounded failures."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_testing.redis import RedisServer
from tripsage_testing.sandbox import SandboxControl

AppFactory = Any
AUTH = {"authorization": f"Bearer {mint_token(sub='dev-user', secret=DEVELOPMENT_JWT_SECRET)}"}
KYOTO: dict[str, Any] = {"lat": 35.01, "lon": 135.77}
# Far above any load delay of the local sandbox, so a verdict is the attempts running out (503), never the clock;
# a test about the budget itself sets a short one and a provider delay far longer than the test's bound.
BUDGET_S = 10.0


@pytest.fixture
def budgeted(make_client: AppFactory) -> TestClient:
    client: TestClient = make_client(provider_timeout_s=BUDGET_S)
    return client


def _forecast(client: TestClient, **params: Any) -> Any:
    return client.get("/v1/weather/forecast", params={**KYOTO, **params}, headers=AUTH)


def test_rate_limit_is_retried_after_retry_after(make_client: AppFactory, sandbox: SandboxControl) -> None:
    client = make_client(provider_timeout_s=3.0)
    sandbox.fault("rate_limit", endpoint="forecast", count=1, retry_after_s=1)
    started = time.perf_counter()
    response = _forecast(client)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 1.0  # honoured Retry-After before the second attempt
    assert sandbox.calls("forecast") == 2


def test_rate_limit_longer_than_the_budget_is_503_with_retry_after(
    budgeted: TestClient, sandbox: SandboxControl
) -> None:
    sandbox.fault("rate_limit", endpoint="forecast", retry_after_s=30)
    started = time.perf_counter()
    response = _forecast(budgeted)
    assert time.perf_counter() - started < BUDGET_S / 2  # at once: waiting would spend the whole budget
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["retry-after"] == "30"
    assert sandbox.calls("forecast") == 1


@pytest.mark.parametrize("kind", ["drop", "error_503"])
def test_one_transient_failure_is_retried_transparently(
    budgeted: TestClient, sandbox: SandboxControl, kind: str
) -> None:
    sandbox.fault(kind, endpoint="forecast", count=1)
    response = _forecast(budgeted)
    assert response.status_code == 200
    assert sandbox.calls("forecast") == 2


def test_server_error_with_nothing_cached_is_a_bounded_503(budgeted: TestClient, sandbox: SandboxControl) -> None:
    sandbox.fault("error_500", endpoint="forecast")
    started = time.perf_counter()
    response = _forecast(budgeted)
    assert time.perf_counter() - started < BUDGET_S  # bounded by the attempts, not the budget
    assert sandbox.calls("forecast") == 3
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "x-cache" not in response.headers


def test_provider_down_with_nothing_cached_is_503_within_the_budget(
    budgeted: TestClient, sandbox: SandboxControl
) -> None:
    sandbox.fault("drop")
    started = time.perf_counter()
    response = _forecast(budgeted)
    assert time.perf_counter() - started < BUDGET_S  # bounded by the attempts, not the budget
    assert sandbox.calls("forecast") >= 3  # every attempt reached the provider before giving up
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["status"] == 503


def test_slow_provider_is_a_504_at_the_budget(make_client: AppFactory, sandbox: SandboxControl) -> None:
    client = make_client(provider_timeout_s=1.0)
    sandbox.fault("slow", endpoint="weather", delay_s=60)
    started = time.perf_counter()
    response = client.get("/v1/weather/current", params=KYOTO, headers=AUTH)
    elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"].endswith("provider-timeout")
    # The whole 1 s budget was given; far below the provider's 60 s, no load delay reaches the upper bound.
    assert 0.9 <= elapsed < 30.0


def test_slow_but_inside_the_budget_still_answers(budgeted: TestClient, sandbox: SandboxControl) -> None:
    sandbox.fault("slow", endpoint="weather", delay_s=0.3, count=1)
    assert budgeted.get("/v1/weather/current", params=KYOTO, headers=AUTH).status_code == 200


def test_malformed_answer_is_a_502_problem(budgeted: TestClient, sandbox: SandboxControl) -> None:
    sandbox.fault("malformed", endpoint="forecast")
    response = _forecast(budgeted)
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


def test_expired_entry_is_served_stale_while_the_provider_fails(
    make_client: AppFactory, sandbox: SandboxControl
) -> None:
    client = make_client(provider_timeout_s=BUDGET_S, ttl_forecast_s=1)
    fresh = _forecast(client)
    assert fresh.headers["x-cache"] == "miss"
    time.sleep(1.1)
    sandbox.fault("error_503", endpoint="forecast")
    stale = _forecast(client)
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["meta"]["cache"] == "stale"
    assert stale.json()["meta"]["age_s"] >= 1.0
    assert stale.json()["days"] == fresh.json()["days"]


def test_breaker_opens_after_consecutive_failures_and_fails_fast(
    make_client: AppFactory, sandbox: SandboxControl
) -> None:
    client = make_client(provider_timeout_s=BUDGET_S, breaker_threshold=2, breaker_reset_s=30)
    sandbox.fault("error_500")
    for lat in (10.0, 11.0):  # distinct places: no cache can answer
        assert _forecast(client, lat=lat).status_code == 503
    calls_when_opened = sandbox.calls()
    started = time.perf_counter()
    response = _forecast(client, lat=12.0)
    assert time.perf_counter() - started < 15.0  # far below the 30 s until the circuit would let a probe through
    assert response.status_code == 503
    assert "circuit" in response.json()["detail"]
    assert sandbox.calls() == calls_when_opened  # the open circuit kept the call away from the provider
    ready = client.get("/ready")
    assert ready.status_code == 200  # non-critical: cached answers can still be served
    assert ready.json()["checks"]["provider"]["status"] == "down"


def test_redis_down_requests_still_succeed(
    make_client: AppFactory, sandbox: SandboxControl, redis_server: RedisServer
) -> None:
    client = make_client()
    redis_server.stop()
    responses = [_forecast(client) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert {r.headers["x-cache"] for r in responses} == {"miss"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"]["status"] == "down"


def test_api_key_never_reaches_the_logs(
    make_client: AppFactory, sandbox: SandboxControl, capfd: pytest.CaptureFixture[str]
) -> None:
    key = "k3y-that-must-stay-secret-7d1e"
    client = make_client(owm_api_key=key, provider_timeout_s=BUDGET_S)
    sandbox.fault("error_500", endpoint="weather", count=3)  # outlasts the client's three attempts
    sandbox.fault("drop", endpoint="forecast")
    capfd.readouterr()
    client.get("/v1/weather/current", params=KYOTO, headers=AUTH)
    _forecast(client)
    client.get("/v1/weather/current", params={"city": "Nowhereville Qqq"}, headers=AUTH)
    out, err = capfd.readouterr()
    assert "provider_error" in out  # the failures were logged (JSON lines on stdout)
    assert "upstream_unreachable" in out
    assert key not in out + err


def test_one_call_down_leaves_alerts_null_but_five_days_still_answer(
    make_client: AppFactory, sandbox: SandboxControl
) -> None:
    client = make_client(owm_plan="onecall", provider_timeout_s=BUDGET_S)
    sandbox.fault("drop", endpoint="onecall")
    five = _forecast(client, days=5)
    assert five.status_code == 200
    assert five.json()["alerts"] is None
    assert len(five.json()["days"]) == 5
    eight = _forecast(client, days=8)  # days 6-8 exist only in One Call: no guessing, a 503
    assert eight.status_code == 503
    assert eight.headers["content-type"] == PROBLEM_CONTENT_TYPE
