"""The in-process backend used when no Redis URL is configured."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from tripsage_cache import Cache, TTLClass


@pytest.mark.parametrize("url", [None, "", "  "])
async def test_no_url_uses_memory_backend_and_logs_it(url: str | None) -> None:
    with capture_logs() as logs:
        cache = await Cache.open(url, namespace="svc", max_local_entries=50)

    assert cache.backend == "memory"
    assert {"event": "cache_backend", "backend": "memory", "reason": "no_redis_url"}.items() <= logs[0].items()
    assert await cache.health() == {"backend": "memory", "status": "ok", "entries": 0, "max_entries": 50}


async def test_memory_backend_hits_misses_and_single_flight() -> None:
    cache = await Cache.open(None, namespace="svc")
    calls = 0

    async def fetch() -> dict[str, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return {"n": 1}

    results = await asyncio.gather(*(cache.get_or_fetch("k", fetch, TTLClass.SEARCH) for _ in range(20)))
    again = await cache.get_or_fetch("k", fetch, TTLClass.SEARCH)

    assert calls == 1
    assert {r.state for r in results} == {"miss"}
    assert (again.state, again.value) == ("hit", {"n": 1})


async def test_memory_backend_evicts_least_recently_used_beyond_max_entries() -> None:
    cache = await Cache.open(None, namespace="svc", max_local_entries=3)
    for key in ("a", "b", "c"):
        await cache.set(key, key, TTLClass.REFERENCE)
    assert await cache.get("a") == "a"  # touch "a" so "b" becomes the least recently used

    await cache.set("d", "d", TTLClass.REFERENCE)

    assert [await cache.get(key) for key in ("a", "b", "c", "d")] == ["a", None, "c", "d"]
    assert (await cache.health())["entries"] == 3


async def test_memory_backend_expires_entries_and_serves_stale_until_the_stale_window_ends() -> None:
    cache = await Cache.open(None, namespace="svc", stale_factor=2)
    await cache.set("k", "old", 1)

    await asyncio.sleep(1.1)
    assert await cache.get("k") is None
    assert await cache.get("k", allow_stale=True) == "old"

    await asyncio.sleep(1.0)
    assert await cache.get("k", allow_stale=True) is None
    assert (await cache.health())["entries"] == 0


async def test_memory_backend_returns_copies_not_shared_objects() -> None:
    cache = await Cache.open(None, namespace="svc")
    stored = {"items": [1, 2]}
    await cache.set("k", stored, TTLClass.SEARCH)

    stored["items"].append(3)
    first = await cache.get("k")
    assert isinstance(first, dict)
    first["items"].append(4)

    assert await cache.get("k") == {"items": [1, 2]}
