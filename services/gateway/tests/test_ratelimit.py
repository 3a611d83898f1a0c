from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_gateway import app as gateway_app
from tripsage_gateway.app import create_app
from tripsage_gateway.config import GatewaySettings
from tripsage_gateway.ratelimit import RateClass, RateLimiter, classify
from tripsage_testing.redis import RedisServer
from tripsage_testing.servers import ScriptedUpstream, serve_in_thread


def _auth(sub: str | None = None) -> dict[str, str]:
    token = mint_token(sub=sub or f"user-{uuid.uuid4().hex[:8]}", secret=DEVELOPMENT_JWT_SECRET)
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    with serve_in_thread(ScriptedUpstream().app) as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def _patient_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store timeout of seconds: on a busy machine a slow event loop must not read as a Redis outage, which would
    switch the gateways to per-replica counting and change what the tests count."""
    monkeypatch.setattr(gateway_app, "RateLimiter", partial(RateLimiter, op_timeout_s=2.0))


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


RACE_LIMIT = 20
RACE_BURST = 200


def _race_limiter(redis_url: str) -> RateLimiter:
    # A generous store timeout: this measures counting under contention, not the slow-Redis fallback.
    return RateLimiter(
        redis_url=redis_url,
        limits={klass: f"{RACE_LIMIT}/minute" for klass in RateClass},
        op_timeout_s=2.0,
    )


async def test_a_concurrent_burst_is_allowed_exactly_the_limit(redis_url: str) -> None:
    limiter = _race_limiter(redis_url)
    who = f"racer-{uuid.uuid4().hex[:8]}"

    decisions = await asyncio.gather(*(limiter.check(RateClass.SEARCH, who) for _ in range(RACE_BURST)))

    allowed = [d for d in decisions if d is not None and d.allowed]
    assert len(allowed) == RACE_LIMIT
    # Each allowed request saw its own count: no two read the same value before incrementing.
    assert sorted(d.remaining for d in allowed) == list(range(RACE_LIMIT))
    assert not limiter.redis_down


async def test_two_replicas_bursting_together_share_one_limit(redis_url: str) -> None:
    first, second = _race_limiter(redis_url), _race_limiter(redis_url)
    who = f"racer-{uuid.uuid4().hex[:8]}"

    decisions = await asyncio.gather(
        *(replica.check(RateClass.WRITE, who) for _ in range(RACE_BURST // 2) for replica in (first, second))
    )

    assert sum(1 for d in decisions if d is not None and d.allowed) == RACE_LIMIT
    assert not first.redis_down
    assert not second.redis_down


async def test_redis_failing_mid_window_continues_the_replicas_count_not_a_fresh_budget(
    redis_server: RedisServer,
) -> None:
    limiter = _race_limiter(redis_server.url)
    who = f"racer-{uuid.uuid4().hex[:8]}"
    before = [await limiter.check(RateClass.WRITE, who) for _ in range(15)]
    redis_server.stop()
    try:
        after = [await limiter.check(RateClass.WRITE, who) for _ in range(10)]
    finally:
        redis_server.start()
    assert [d.allowed for d in before if d is not None] == [True] * 15
    assert limiter.redis_down
    assert [d.allowed for d in after if d is not None] == [True] * 5 + [False] * 5


async def test_a_burst_over_http_at_two_gateway_replicas_lets_exactly_the_limit_through(
    upstream_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both replicas and the 200 clients share this process (and its GIL): a generous store timeout keeps the
    # congestion from reading as a Redis outage, so what is measured is the shared count over real HTTP.
    monkeypatch.setattr(gateway_app, "RateLimiter", partial(RateLimiter, op_timeout_s=2.0))
    settings = GatewaySettings(
        upstreams={"flights": upstream_url},
        redis_url=redis_url,
        access_log=False,
        rate_limit_search=f"{RACE_LIMIT}/minute",
    )
    user = _auth()
    with serve_in_thread(create_app(settings)) as first, serve_in_thread(create_app(settings)) as second:
        async with httpx.AsyncClient(
            timeout=30, trust_env=False, limits=httpx.Limits(max_connections=RACE_BURST)
        ) as client:
            # Warm each replica's Redis connection first, so the burst below races on counting, not on connecting.
            for base in (first, second):
                assert (await client.get(f"{base}/ready")).status_code == 200
            answers = await asyncio.gather(
                *(
                    client.get(f"{base}/v1/flights/scripted/search", headers=user)
                    for _ in range(RACE_BURST // 2)
                    for base in (first, second)
                )
            )
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: RACE_LIMIT, 429: RACE_BURST - RACE_LIMIT}
