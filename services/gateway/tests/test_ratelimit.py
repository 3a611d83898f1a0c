from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_gateway.app import create_app
from tripsage_gateway.config import GatewaySettings
from tripsage_gateway.ratelimit import RateClass, classify
from tripsage_testing.redis import RedisServer
from tripsage_testing.servers import ScriptedUpstream, serve_in_thread


def _auth(sub: str | None = None) -> dict[str, str]:
    token = mint_token(sub=sub or f"user-{uuid.uuid4().hex[:8]}", secret=DEVELOPMENT_JWT_SECRET)
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    with serve_in_thread(ScriptedUpstream().app) as base_url:
        yield base_url


def _gateway(upstream_url: str, redis_url: str | None) -> TestClient:
    settings = GatewaySettings(
        upstreams={"time": upstream_url, "flights": upstream_url},
        redis_url=redis_url,
        access_log=False,
        rate_limit_search="3/minute",
        rate_limit_read="5/minute",
        rate_limit_anonymous="4/minute",
    )
    return TestClient(create_app(settings))


@pytest.mark.parametrize(
    ("method", "path", "klass"),
    [
        ("GET", "/v1/flights/search", RateClass.SEARCH),
        ("GET", "/v1/maps/places", RateClass.SEARCH),
        ("POST", "/v1/maps/distance-matrix", RateClass.SEARCH),
        ("GET", "/v1/trips/abc/brief", RateClass.SEARCH),
        ("GET", "/v1/trips", RateClass.READ),
        ("POST", "/v1/trips", RateClass.WRITE),
        ("DELETE", "/v1/trips/abc", RateClass.WRITE),
    ],
)
def test_routes_fall_into_rate_classes(method: str, path: str, klass: RateClass) -> None:
    assert classify(method, path) is klass


def test_a_search_burst_beyond_the_limit_gets_429_with_retry_after(upstream_url: str, redis_url: str) -> None:
    user = _auth()
    with _gateway(upstream_url, redis_url) as gateway:
        answers = [gateway.get("/v1/flights/search", headers=user) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["ratelimit-limit"] == "3"
    limited = answers[3]
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["type"].endswith("/rate-limited")


def test_each_user_has_their_own_budget(upstream_url: str, redis_url: str) -> None:
    alice, bob = _auth(), _auth()
    with _gateway(upstream_url, redis_url) as gateway:
        for _ in range(3):
            gateway.get("/v1/flights/search", headers=alice)
        assert gateway.get("/v1/flights/search", headers=alice).status_code == 429
        assert gateway.get("/v1/flights/search", headers=bob).status_code == 200


def test_replicas_share_one_budget_through_redis(upstream_url: str, redis_url: str) -> None:
    user = _auth()
    with _gateway(upstream_url, redis_url) as first, _gateway(upstream_url, redis_url) as second:
        statuses = [
            first.get("/v1/flights/search", headers=user).status_code,
            second.get("/v1/flights/search", headers=user).status_code,
            first.get("/v1/flights/search", headers=user).status_code,
            second.get("/v1/flights/search", headers=user).status_code,
        ]
    assert statuses == [200, 200, 200, 429]


def test_reads_have_a_looser_budget_than_searches(upstream_url: str, redis_url: str) -> None:
    user = _auth()
    with _gateway(upstream_url, redis_url) as gateway:
        reads = [gateway.get("/v1/time/scripted/k", headers=user).status_code for _ in range(6)]
    assert reads == [200] * 5 + [429]


def test_unauthenticated_callers_are_limited_per_ip(upstream_url: str, redis_url: str) -> None:
    with _gateway(upstream_url, f"{redis_url.rsplit('/', 1)[0]}/3") as gateway:
        answers = [gateway.get("/v1/time/scripted/k").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]


def test_redis_down_reads_stay_open_and_searches_are_limited_per_replica(
    upstream_url: str, redis_server: RedisServer
) -> None:
    user = _auth()
    with _gateway(upstream_url, redis_server.url) as gateway:
        redis_server.stop()
        try:
            reads = [gateway.get("/v1/time/scripted/k", headers=user).status_code for _ in range(8)]
            searches = [gateway.get("/v1/flights/search", headers=user).status_code for _ in range(4)]
            ready = gateway.get("/ready")
        finally:
            redis_server.start()
    assert reads == [200] * 8  # beyond the read limit of 5: fail open
    assert searches == [200, 200, 200, 429]  # counted in this replica's memory instead
    assert ready.status_code == 200
    assert ready.json()["checks"]["redis"]["status"] == "down"
