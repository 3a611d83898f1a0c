"""The walking skeleton's acceptance, against the whole stack over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from tripsage_devstack.harness import RunningStack as Stack

PROBLEM = "application/problem+json"


@pytest.fixture
def client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def _timezone(stack: Stack, client: httpx.Client, token: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.get(
        f"{stack.topology.gateway_url}/v1/time/timezone", params={"lat": 35.68, "lon": 139.69}, headers=headers
    )


def test_tokyo_time_zone_through_the_gateway(stack: Stack, client: httpx.Client) -> None:
    response = _timezone(stack, client, stack.token())
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Tokyo"
    assert response.headers["x-request-id"]


def test_no_token_is_401_problem(stack: Stack, client: httpx.Client) -> None:
    response = _timezone(stack, client, None)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_a_token_for_another_user_works_too(stack: Stack, client: httpx.Client) -> None:
    assert _timezone(stack, client, stack.token("alice")).status_code == 200


def test_bad_input_through_the_gateway_is_422_naming_the_field(stack: Stack, client: httpx.Client) -> None:
    response = client.get(
        f"{stack.topology.gateway_url}/v1/time/timezone",
        params={"lat": 95, "lon": 0},
        headers={"authorization": f"Bearer {stack.token()}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "lat"


def test_redis_down_requests_still_succeed(stack: Stack, client: httpx.Client) -> None:
    token = stack.token()
    assert "stopped" in stack.ctl("stop", "redis")
    try:
        statuses = [_timezone(stack, client, token).status_code for _ in range(20)]
        ready = client.get(f"{stack.topology.gateway_url}/ready")
    finally:
        stack.ctl("start", "redis")
    assert statuses == [200] * 20
    assert ready.status_code == 200
    assert ready.json()["checks"]["redis"]["status"] == "down"


def test_time_service_down_is_503_fast_then_recovers_without_restarting_the_gateway(
    stack: Stack, client: httpx.Client
) -> None:
    token = stack.token()
    gateway_pid = stack.ctl("pid", "gateway").strip()
    assert "stopped" in stack.ctl("stop", "time")
    try:
        started = time.perf_counter()
        down = _timezone(stack, client, token)
        elapsed = time.perf_counter() - started
    finally:
        stack.ctl("start", "time")
    assert down.status_code == 503
    assert down.headers["content-type"] == PROBLEM
    assert elapsed < 30.0  # refused at once; only a hang comes near this, no load delay does
    deadline = time.monotonic() + 60  # how soon it recovers depends on the machine's load
    while (back := _timezone(stack, client, token)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert back.status_code == 200
    assert stack.ctl("pid", "gateway").strip() == gateway_pid
