"""Provider faults injected in a real sandbox: retries, the circuit breaker, stale answers and bounded failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from tripsage_maps.app import create_app
from tripsage_maps.config import SANDBOX_GOOGLE_API_KEY
from tripsage_testing.ports import free_port
from tripsage_testing.redis import RedisServer
from tripsage_testing.sandbox import SandboxControl
from tripsage_testing.servers import serve_in_thread

from .conftest import SHORT_BUDGET_S, MakeClient, settings_for

PROBLEM = "application/problem+json"
GEOCODE = "/v1/maps/geocode"


def _timed_geocode(client: TestClient, address: str = "Kyoto") -> tuple[Any, float]:
    started = time.perf_counter()
    response = client.get(GEOCODE, params={"address": address})
    return response, time.perf_counter() - started


def test_rate_limit_once_is_retried_after_its_retry_after(make_client: MakeClient, sandbox: SandboxControl) -> None:
    sandbox.fault(endpoint="geocode", kind="rate_limit", count=1, retry_after_s=1)
    with make_client() as client:
        response, elapsed = _timed_geocode(client)
    assert response.status_code == 200
    assert response.json()["results"]
    assert elapsed >= 1.0
    assert sandbox.calls() == 2


def test_rate_limit_beyond_the_budget_is_503_with_retry_after_at_once(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    sandbox.fault(endpoint="geocode", kind="rate_limit", retry_after_s=30)
    with make_client(provider_timeout_s=20.0) as client:
        response, elapsed = _timed_geocode(client)
        ready = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "30"
    assert response.json()["type"].endswith("/provider-rate-limited")
    # Waiting would spend the whole 20 s budget; "at once" is anything far below it, however busy the machine.
    assert elapsed < 10.0
    assert sandbox.calls() == 1
    # A rate limit is not an outage: the circuit stays closed.
    assert ready.json()["checks"]["provider"]["circuit"] == "closed"


def test_a_500_is_retried_and_answered(make_client: MakeClient, sandbox: SandboxControl) -> None:
    sandbox.fault(endpoint="geocode", kind="error_500", count=1)
    with make_client() as client:
        response, _ = _timed_geocode(client)
    assert response.status_code == 200
    assert sandbox.calls() == 2


def test_a_provider_that_keeps_failing_is_503_within_the_budget(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    sandbox.fault(endpoint="geocode", kind="error_503")
    with make_client(provider_timeout_s=SHORT_BUDGET_S) as client:
        response, elapsed = _timed_geocode(client)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/provider-unavailable")
    # The SDK retries a failing Google until the budget ends; without the budget it would never stop. Far above the
    # 1.5 s budget, no load delay reaches this bound.
    assert elapsed < 30.0
    assert sandbox.calls() >= 2


def test_a_slow_provider_is_504_within_the_budget(make_client: MakeClient, sandbox: SandboxControl) -> None:
    # Every geocode is slow, not only the next one: a previous test's SDK thread may still be retrying in the
    # background (it finishes within the SDK's own timeout) and would otherwise take a one-shot fault.
    sandbox.fault(endpoint="geocode", kind="slow", delay_s=60)
    with make_client(provider_timeout_s=SHORT_BUDGET_S) as client:
        response, elapsed = _timed_geocode(client)
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/provider-timeout")
    # The whole budget was given; far below the provider's 60 s, machine load cannot reach the upper bound.
    assert SHORT_BUDGET_S - 0.1 <= elapsed < 30.0


def test_a_dropped_connection_is_retried(make_client: MakeClient, sandbox: SandboxControl) -> None:
    sandbox.fault(endpoint="geocode", kind="drop", count=1)
    with make_client() as client:
        response, _ = _timed_geocode(client)
    assert response.status_code == 200
    assert sandbox.calls() == 2


def test_a_malformed_answer_is_502(make_client: MakeClient, sandbox: SandboxControl) -> None:
    sandbox.fault(endpoint="geocode", kind="malformed", count=1)
    with make_client() as client:
        response, _ = _timed_geocode(client)
    assert response.status_code == 502
    assert response.json()["type"].endswith("/provider-malformed")


def test_provider_down_with_nothing_cached_is_503_problem_within_the_budget(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    with make_client(provider_base_url=nobody_listens, provider_timeout_s=SHORT_BUDGET_S) as client:
        response, elapsed = _timed_geocode(client)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/provider-unavailable")
    assert elapsed < 30.0  # the SDK retries until the 1.5 s budget ends: far above it, far below "never"
    output = capsys.readouterr()
    assert "provider_unreachable" in output.out
    assert SANDBOX_GOOGLE_API_KEY not in output.out + output.err


def test_circuit_opens_after_consecutive_failures_then_recovers(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    sandbox.fault(endpoint="geocode", kind="drop")
    # The reset outlasts any load delay between the failures and the next call, so that call meets an open circuit.
    with make_client(breaker_threshold=3, breaker_reset_s=3.0) as client:
        first, _ = _timed_geocode(client)  # three dropped attempts open the circuit
        calls = sandbox.calls()
        fast, _ = _timed_geocode(client, "Osaka")
        ready = client.get("/ready")
        assert first.status_code == fast.status_code == 503
        assert calls == 3
        # Failing fast is asserted as "no provider call", not in milliseconds that a busy machine stretches.
        assert sandbox.calls() == calls, "an open circuit must not call Google"
        assert 1 <= int(fast.headers["retry-after"]) <= 3
        assert "circuit is open" in fast.json()["detail"]
        # A provider outage must not take the pod out of rotation: cached answers can still be served.
        assert ready.status_code == 200
        assert ready.json()["checks"]["provider"]["status"] == "down"

        # Same app, same breaker: once Google is back and the reset time has passed, one probe closes it.
        httpx.delete(f"{sandbox.url}/__sandbox/faults")
        time.sleep(3.1)
        recovered, _ = _timed_geocode(client, "Osaka")
        ready_again = client.get("/ready")
    assert recovered.status_code == 200
    assert ready_again.json()["checks"]["provider"]["circuit"] == "closed"


@pytest.fixture
def redis_cache_url(redis_url: str) -> str:
    """The session's real Redis, emptied so no other test's entries answer for ours."""
    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


def test_serves_stale_value_when_the_provider_fails(
    make_client: MakeClient, sandbox: SandboxControl, redis_cache_url: str
) -> None:
    with make_client(redis_url=redis_cache_url, ttl_geocode_s=1, provider_timeout_s=SHORT_BUDGET_S) as client:
        fresh, _ = _timed_geocode(client)
        time.sleep(1.1)
        sandbox.fault(endpoint="geocode", kind="error_500")
        stale, elapsed = _timed_geocode(client)
    assert fresh.status_code == 200
    assert fresh.headers["x-cache"] == "miss"
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["meta"]["cache"] == "stale"
    assert stale.json()["meta"]["age_s"] >= 1.0
    assert stale.json()["results"] == fresh.json()["results"]
    assert elapsed < 15.0  # within the budget's reach, far above any load delay


def test_a_cached_answer_survives_a_restart_through_redis(make_client: MakeClient, redis_cache_url: str) -> None:
    with make_client(redis_url=redis_cache_url) as client:
        assert _timed_geocode(client)[0].headers["x-cache"] == "miss"
    with make_client(redis_url=redis_cache_url) as client:
        again, _ = _timed_geocode(client)
    assert again.headers["x-cache"] == "hit"


def test_redis_down_requests_still_succeed(make_client: MakeClient, redis_server: RedisServer) -> None:
    with make_client(redis_url=redis_server.url) as client:
        redis_server.stop()
        statuses = [_timed_geocode(client, city)[0].status_code for city in ("Kyoto", "Osaka", "Nara", "Kyoto")]
        ready = client.get("/ready")
    assert statuses == [200, 200, 200, 200]
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"]["status"] == "down"


def _recorded_google(status: str, message: str) -> FastAPI:
    """A real HTTP server answering every geocode with one of Google's documented error bodies."""
    app = FastAPI()

    @app.get("/maps/api/geocode/json")
    async def geocode() -> Response:
        # Shape as documented at developers.google.com/maps/documentation/geocoding/requests-geocoding#StatusCodes
        return JSONResponse({"error_message": message, "results": [], "status": status})

    return app


def test_request_denied_is_502_and_logged_loudly(make_client: MakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    denied = _recorded_google("REQUEST_DENIED", "The provided API key is invalid.")
    with serve_in_thread(denied) as google, make_client(provider_base_url=google) as client:
        response, _ = _timed_geocode(client)
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM
    assert "key" not in response.json()["detail"].lower()
    output = capsys.readouterr().out
    assert '"event":"provider_request_denied"' in output
    assert '"level":"error"' in output
    assert SANDBOX_GOOGLE_API_KEY not in output


def test_over_query_limit_without_a_hint_uses_the_configured_retry_after(make_client: MakeClient) -> None:
    limited = _recorded_google("OVER_QUERY_LIMIT", "You have exceeded your rate-limit for this API.")
    with (
        serve_in_thread(limited) as google,
        make_client(provider_base_url=google, rate_limit_retry_after_s=9, provider_timeout_s=8.0) as client,
    ):
        response, elapsed = _timed_geocode(client)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "9"
    assert elapsed < 5.0  # waiting would spend the whole 8 s budget


def test_invalid_request_is_422_naming_the_field(make_client: MakeClient) -> None:
    invalid = _recorded_google("INVALID_REQUEST", "Invalid request. Missing the 'address' parameter.")
    with serve_in_thread(invalid) as google, make_client(provider_base_url=google) as client:
        response, _ = _timed_geocode(client)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "address"


def test_a_slow_google_call_never_blocks_the_event_loop(sandbox: SandboxControl, token: str) -> None:
    # The geocode waits on the sandbox for its whole 5 s budget; health must be answered meanwhile. Asserted as an
    # order of events (health answered while the geocode is still pending), not as milliseconds.
    sandbox.fault(endpoint="geocode", kind="slow", delay_s=60, count=1)
    app = create_app(settings_for(sandbox.url, provider_timeout_s=5.0))
    headers = {"authorization": f"Bearer {token}"}
    with serve_in_thread(app, ready_path="/health") as url, ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(httpx.get, f"{url}{GEOCODE}", params={"address": "Kyoto"}, headers=headers, timeout=60)
        _wait_until(lambda: sandbox.calls("geocode") == 1)  # the geocode is now waiting on the sandbox
        health = httpx.get(f"{url}/health", timeout=60)
        pending_when_healthy = not slow.done()
        assert slow.result().status_code == 504
    assert health.status_code == 200
    assert pending_when_healthy


def _wait_until(condition: Callable[[], bool], within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)
