"""get_or_fetch against a real Redis: hits, misses, expiry, stale-if-error and single-flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tripsage_cache import Cache, CacheState, TTLClass


class CountingFetch:
    """An upstream stand-in that counts calls and returns (or raises) what it's told."""

    def __init__(self, value: Any = None, *, delay_s: float = 0.0, until: Callable[[], bool] | None = None) -> None:
        self.value = value
        self.error: Exception | None = None
        self.delay_s = delay_s
        self.until = until
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.until is not None:
            # Answer only once the condition holds, however slowly a loaded machine schedules the other callers.
            async with asyncio.timeout(30):
                while not self.until():  # noqa: ASYNC110 - polls the cache's own counter
                    await asyncio.sleep(0.005)
        if self.error is not None:
            raise self.error
        return self.value


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for what a test needs to have happened, however slowly a loaded machine schedules the tasks."""
    async with asyncio.timeout(30):
        while not condition():  # noqa: ASYNC110 - polls the cache's own counters
            await asyncio.sleep(0.005)


# Redis operations get seconds, not milliseconds: these tests are about the cache's logic, not Redis being slow.
@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[Cache]:
    cache = await Cache.open(redis_url, namespace="test", op_timeout=5.0, stale_factor=10)
    yield cache
    await cache.aclose()


async def test_first_call_misses_and_second_hits(cache: Cache) -> None:
    fetch = CountingFetch({"city": "Lisbon", "temp_c": 21.5})

    first = await cache.get_or_fetch("weather:lis", fetch, TTLClass.REALTIME)
    second = await cache.get_or_fetch("weather:lis", fetch, TTLClass.REALTIME)

    assert first.state == "miss"
    assert second.state is CacheState.HIT
    assert first.value == second.value == {"city": "Lisbon", "temp_c": 21.5}
    assert fetch.calls == 1
    assert cache.backend == "redis"
    assert cache.stats()["hits"] == 1
    assert cache.stats()["misses"] == 1
    assert cache.stats()["fetches"] == 1


async def test_value_is_fetched_again_after_ttl_expires(cache: Cache) -> None:
    fetch = CountingFetch("v1")
    await cache.get_or_fetch("k", fetch, 1)
    fetch.value = "v2"

    await asyncio.sleep(1.1)
    result = await cache.get_or_fetch("k", fetch, 1)

    assert result.state == "miss"
    assert result.value == "v2"
    assert fetch.calls == 2


async def test_fetch_exception_propagates_unchanged_without_stale_copy(cache: Cache) -> None:
    fetch = CountingFetch()
    fetch.error = ConnectionRefusedError("provider down")

    with pytest.raises(ConnectionRefusedError) as caught:
        await cache.get_or_fetch("k", fetch, TTLClass.SEARCH)

    assert caught.value is fetch.error
    assert cache.stats()["fetch_errors"] == 1
    assert await cache.get("k") is None


async def test_serves_stale_value_when_fetch_fails_after_expiry(cache: Cache) -> None:
    fetch = CountingFetch(["AMS", "LIS"])
    await cache.get_or_fetch("airports", fetch, 1)
    await asyncio.sleep(1.1)
    fetch.error = TimeoutError("upstream timed out")

    result = await cache.get_or_fetch("airports", fetch, 1)

    assert result.state == "stale"
    assert result.value == ["AMS", "LIS"]
    assert result.age_s >= 1.0
    assert fetch.calls == 2
    assert cache.stats()["stale"] == 1


async def test_is_error_can_refuse_stale_fallback(cache: Cache) -> None:
    fetch = CountingFetch("old")
    await cache.get_or_fetch("k", fetch, 1)
    await asyncio.sleep(1.1)
    fetch.error = LookupError("no such trip")

    with pytest.raises(LookupError):
        await cache.get_or_fetch("k", fetch, 1, is_error=lambda exc: not isinstance(exc, LookupError))


async def test_stale_copy_is_gone_after_stale_window(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="test", op_timeout=5.0, stale_factor=1)
    fetch = CountingFetch("old")
    await cache.get_or_fetch("k", fetch, 1)
    await asyncio.sleep(1.1)
    fetch.error = RuntimeError("upstream failed")

    with pytest.raises(RuntimeError):
        await cache.get_or_fetch("k", fetch, 1)
    await cache.aclose()


async def test_hundred_concurrent_misses_make_one_fetch(cache: Cache) -> None:
    fetch = CountingFetch({"rate": 1.08}, until=lambda: cache.stats()["misses"] >= 100)

    results = await asyncio.gather(*(cache.get_or_fetch("fx:eur-usd", fetch, TTLClass.REALTIME) for _ in range(100)))

    assert fetch.calls == 1
    assert {r.state for r in results} == {CacheState.MISS}
    assert all(r.value == {"rate": 1.08} for r in results)
    assert cache.stats()["coalesced"] == 99
    assert cache.stats()["in_flight"] == 0


async def test_concurrent_callers_share_the_fetch_exception(cache: Cache) -> None:
    # The fetch fails only once all ten callers have missed and joined it.
    fetch = CountingFetch(until=lambda: cache.stats()["misses"] >= 10)
    fetch.error = ValueError("bad upstream payload")

    outcomes = await asyncio.gather(
        *(cache.get_or_fetch("k", fetch, TTLClass.SEARCH) for _ in range(10)), return_exceptions=True
    )

    assert fetch.calls == 1
    assert all(outcome is fetch.error for outcome in outcomes)


async def test_cancelled_caller_does_not_fail_the_other_waiters(cache: Cache) -> None:
    release = asyncio.Event()
    fetch = CountingFetch("shared", until=release.is_set)
    first = asyncio.create_task(cache.get_or_fetch("k", fetch, TTLClass.SEARCH))
    second = asyncio.create_task(cache.get_or_fetch("k", fetch, TTLClass.SEARCH))
    await _until(lambda: fetch.calls == 1 and cache.stats()["misses"] == 2)  # both wait on the one fetch

    first.cancel()
    await asyncio.sleep(0)
    release.set()
    result = await second

    assert first.cancelled()
    assert result.value == "shared"
    assert fetch.calls == 1
    assert (await cache.get_or_fetch("k", fetch, TTLClass.SEARCH)).state == "hit"


async def test_fetch_is_cancelled_when_every_caller_is_cancelled(cache: Cache) -> None:
    fetch_started, fetch_cancelled = asyncio.Event(), asyncio.Event()

    async def slow_fetch() -> str:
        fetch_started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            fetch_cancelled.set()
            raise
        return "never"

    caller = asyncio.create_task(cache.get_or_fetch("k", slow_fetch, TTLClass.SEARCH))
    await asyncio.wait_for(fetch_started.wait(), timeout=30)
    caller.cancel()

    # Far below the fetch's 60 s: only a fetch left running past its last caller waits this long.
    await asyncio.wait_for(fetch_cancelled.wait(), timeout=30)
    await asyncio.sleep(0)
    assert cache.stats()["in_flight"] == 0
    # A new caller after the cancellation starts a fresh fetch rather than inheriting the cancelled one.
    assert (await cache.get_or_fetch("k", CountingFetch("fresh"), TTLClass.SEARCH)).value == "fresh"


async def test_low_level_get_set_delete(cache: Cache) -> None:
    assert await cache.set("profile:1", {"name": "Ana"}, TTLClass.REFERENCE) is True
    assert await cache.get("profile:1") == {"name": "Ana"}

    await cache.delete("profile:1")

    assert await cache.get("profile:1") is None


async def test_get_returns_stale_value_only_when_asked(cache: Cache) -> None:
    await cache.set("k", "old", 1)
    await asyncio.sleep(1.1)

    assert await cache.get("k") is None
    assert await cache.get("k", allow_stale=True) == "old"


async def test_health_reports_redis_ok_with_latency(cache: Cache) -> None:
    health = await cache.health()

    assert health["backend"] == "redis"
    assert health["status"] == "ok"
    assert 0 <= health["latency_ms"] < 500
