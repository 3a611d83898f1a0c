"""Key layout in Redis, TTLs on stored keys, value encoding and argument validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
import redis.asyncio as aioredis

from tripsage_cache import Cache, TTLClass


async def test_keys_are_namespaced_and_kept_for_the_stale_window(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="flights", op_timeout=5.0, stale_factor=24)
    await cache.set("search:lis-ams", [1], TTLClass.SEARCH)

    async with aioredis.Redis.from_url(redis_url) as raw:
        keys = await raw.keys("*")
        ttl_ms = await raw.pttl("tripsage:flights:search:lis-ams")

    assert keys == [b"tripsage:flights:search:lis-ams"]
    assert 300 * 24 * 1000 - 5_000 < ttl_ms <= 300 * 24 * 1000
    await cache.aclose()


async def test_long_keys_are_stored_under_their_sha256(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="places", op_timeout=5.0)
    long_key = "autocomplete:" + "x" * 500
    await cache.set(long_key, "v", TTLClass.SEARCH)

    async with aioredis.Redis.from_url(redis_url) as raw:
        keys = await raw.keys("*")

    digest = hashlib.sha256(long_key.encode()).hexdigest()
    assert keys == [f"tripsage:places:sha256:{digest}".encode()]
    assert await cache.get(long_key) == "v"
    await cache.aclose()


async def test_miss_returns_the_same_json_shapes_a_hit_would(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="test", op_timeout=5.0)
    when = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    trip_id = uuid.UUID(int=7)

    async def fetch() -> dict[str, object]:
        return {"legs": ("LIS", "AMS"), "departs": when, "id": trip_id}

    miss = await cache.get_or_fetch("trip", fetch, TTLClass.SEARCH)
    hit = await cache.get_or_fetch("trip", fetch, TTLClass.SEARCH)

    expected = {"legs": ["LIS", "AMS"], "departs": "2026-05-01T09:30:00+00:00", "id": str(trip_id)}
    assert (miss.state, miss.value) == ("miss", expected)
    assert (hit.state, hit.value) == ("hit", expected)
    await cache.aclose()


async def test_unencodable_value_raises_type_error() -> None:
    cache = await Cache.open(None, namespace="test")

    with pytest.raises(TypeError, match="JSON-compatible"):
        await cache.set("k", {1, 2}, TTLClass.SEARCH)


async def test_foreign_data_under_our_key_is_treated_as_a_miss(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="test", op_timeout=5.0)
    async with aioredis.Redis.from_url(redis_url) as raw:
        await raw.set("tripsage:test:k", b"not json")

    async def fetch() -> str:
        return "fresh"

    result = await cache.get_or_fetch("k", fetch, TTLClass.SEARCH)

    assert (result.state, result.value) == ("miss", "fresh")
    assert await cache.get("k") == "fresh"
    await cache.aclose()


@pytest.mark.parametrize("namespace", ["", "Has-Caps", "with:colon", "a" * 65])
async def test_invalid_namespace_is_rejected(namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        await Cache.open(None, namespace=namespace)


@pytest.mark.parametrize("ttl", [0, -5])
async def test_non_positive_ttl_is_rejected(ttl: int) -> None:
    cache = await Cache.open(None, namespace="test")

    with pytest.raises(ValueError, match="ttl"):
        await cache.set("k", "v", ttl)


def test_ttl_classes_match_the_issue() -> None:
    assert (TTLClass.REALTIME, TTLClass.SEARCH, TTLClass.REFERENCE) == (60, 300, 86_400)


async def test_malformed_redis_url_is_a_clear_configuration_error() -> None:
    with pytest.raises(ValueError, match="redis://") as caught:
        await Cache.open("http://user:hunter2@cache.internal:6379", namespace="test")

    assert "hunter2" not in str(caught.value)
