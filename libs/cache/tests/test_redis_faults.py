"""The cache is never a point of failure: dead, blackholed or late Redis only costs the cache."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from tripsage_cache import Cache, TTLClass
from tripsage_cache.answers import cached_answer
from tripsage_core.errors import ProviderUnavailable

if TYPE_CHECKING:
    from tripsage_testing.redis import RedisServer

# Longer than any test here runs: once closed, the gate stays closed, so every later call must skip Redis.
GATE_CLOSED_S = 300.0


async def _fetch(cache: Cache, key: str, value: str) -> tuple[str, str]:
    async def fetch() -> str:
        return value

    result = await cache.get_or_fetch(key, fetch, TTLClass.SEARCH)
    return result.value, str(result.state)


async def test_requests_skip_a_dead_redis_after_one_failed_try(redis_server: RedisServer) -> None:
    # "No added latency" is asserted as "no Redis operation at all": milliseconds would measure the machine's load.
    cache = await Cache.open(redis_server.url, namespace="test", retry_after_s=GATE_CLOSED_S)
    await _fetch(cache, "k", "cached")
    redis_server.stop()

    with capture_logs() as logs:
        calls = [await _fetch(cache, "k", f"fresh-{i}") for i in range(30)]

    assert calls[:3] == [("fresh-0", "miss"), ("fresh-1", "miss"), ("fresh-2", "miss")]
    assert {state for _, state in calls} == {"miss"}
    # The first call found Redis dead; the gate closed and the 29 others never tried it.
    assert cache.stats()["backend_errors"] == 1
    # One warning for the state change, not one per request.
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == ["cache_unavailable"]
    assert (await cache.health())["status"] == "down"
    await cache.aclose()


async def test_low_level_calls_never_raise_while_redis_is_dead(redis_server: RedisServer) -> None:
    cache = await Cache.open(redis_server.url, namespace="test")
    redis_server.stop()

    assert await cache.set("k", "v", TTLClass.SEARCH) is False
    assert await cache.get("k") is None
    await cache.delete("k")
    health = await cache.health()
    assert health == {"backend": "redis", "status": "down"}
    await cache.aclose()


async def test_cache_works_again_after_redis_restarts_on_same_port(redis_server: RedisServer) -> None:
    # Seconds for a Redis operation: the test is about reconnecting, not about Redis being slow on a busy machine.
    cache = await Cache.open(redis_server.url, namespace="test", op_timeout=2.0, retry_after_s=0.2)
    # Concurrent calls fill the pool with several connections that the crash will leave dead.
    await asyncio.gather(*(_fetch(cache, f"warm-{i}", "before") for i in range(10)))
    redis_server.stop()
    await _fetch(cache, "k", "during")

    redis_server.start()
    await asyncio.sleep(0.25)
    with capture_logs() as logs:
        stored, stored_state = await _fetch(cache, "k", "after")
        served, served_state = await _fetch(cache, "k", "not-fetched")

    assert (stored, stored_state) == ("after", "miss")
    assert (served, served_state) == ("after", "hit")
    assert "cache_recovered" in [entry["event"] for entry in logs]
    assert (await cache.health())["status"] == "ok"
    await cache.aclose()


async def test_a_redis_restart_between_requests_costs_no_request_its_cache(redis_server: RedisServer) -> None:
    # A Dragonfly restart or failover that happens while a replica is idle leaves its pooled connections dead. The
    # first request after it must dial afresh, not fail on a dead socket and close the gate (which would skip the cache
    # for every request of the next seconds: seen as misses right after a restart).
    cache = await Cache.open(redis_server.url, namespace="test", op_timeout=2.0, retry_after_s=GATE_CLOSED_S)
    await asyncio.gather(*(_fetch(cache, f"warm-{i}", "before") for i in range(10)))
    redis_server.stop()
    redis_server.start()

    with capture_logs() as logs:
        stored = await _fetch(cache, "k", "after")
        served = await _fetch(cache, "k", "not-fetched")

    assert (stored, served) == (("after", "miss"), ("after", "hit"))
    assert cache.stats()["backend_errors"] == 0
    assert "cache_unavailable" not in [entry["event"] for entry in logs]
    await cache.aclose()


async def test_open_succeeds_when_redis_is_unreachable_and_connects_later(redis_server: RedisServer) -> None:
    redis_server.stop()
    with capture_logs() as logs:
        cache = await Cache.open(redis_server.url, namespace="test", op_timeout=2.0, retry_after_s=0.2)

    assert {"event": "cache_backend", "backend": "redis", "status": "down"}.items() <= logs[-1].items()
    assert await _fetch(cache, "k", "uncached") == ("uncached", "miss")

    redis_server.start()
    await asyncio.sleep(0.25)
    await _fetch(cache, "k", "first")
    assert await _fetch(cache, "k", "second") == ("first", "hit")
    await cache.aclose()


@pytest.fixture
def blackhole_port() -> Iterator[int]:
    """A port that accepts TCP connections but never answers, like a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])


async def test_a_blackholed_redis_costs_one_bounded_try_then_is_skipped(blackhole_port: int) -> None:
    started = time.perf_counter()
    cache = await Cache.open(
        f"redis://127.0.0.1:{blackhole_port}/0", namespace="test", op_timeout=0.05, retry_after_s=GATE_CLOSED_S
    )
    # The server never answers: without the operation timeout, open would hang until pytest-timeout; 10 s is far
    # above the 0.1 s the timeout allows and far below forever.
    assert time.perf_counter() - started < 10.0

    calls = [await _fetch(cache, "k", f"v{i}") for i in range(20)]

    assert calls[-1] == ("v19", "miss")
    # Only open's ping waited on the hung server; with the gate closed no call tried it again.
    assert cache.stats()["backend_errors"] == 1
    await cache.aclose()


async def _get_repeatedly(cache: Cache, key: str, times: int, spacing_s: float) -> list[BaseException]:
    failures: list[BaseException] = []
    for n in range(times):
        # Spread the calls so that timeouts fire at every point of other calls' connects and commands.
        await asyncio.sleep(spacing_s * (n % 3))
        try:
            await cache.get(key)
        except Exception as exc:  # the assertion below names whatever escaped
            failures.append(exc)
    return failures


@pytest.mark.parametrize("op_timeout", [0.003, 0.005, 0.01])
async def test_timeouts_under_starvation_never_break_other_requests(redis_url: str, op_timeout: float) -> None:
    # Under CPU starvation Redis operations time out mid-connect. Marking the backend down used to close every
    # pooled connection, including those other requests were using: they failed with the transport's RuntimeError
    # (outside every Redis fault type), flights answered 500s, and the gateway opened its circuit (issue 20).
    # Timeouts this short make the same interleavings happen on an idle machine; the cache must absorb them all.
    cache = await Cache.open(redis_url, namespace="test", op_timeout=op_timeout, retry_after_s=0.001)
    failures = await asyncio.gather(*(_get_repeatedly(cache, f"k{i}", 30, op_timeout) for i in range(64)))
    await cache.aclose()

    assert [repr(exc) for per_caller in failures for exc in per_caller][:3] == []


class _ProviderDown(Exception):
    """What a failing provider raises."""


async def _provider_down() -> str:
    raise _ProviderDown("the provider is down")


async def _gate_closed_by_a_slow_redis(cache: Cache, redis_url: str) -> None:
    # Redis stops answering for 300 ms, so the next fast-path read times out and the gate closes (for 30 s here);
    # Redis itself is fine again right after, as it is when an overloaded event loop, not Redis, was slow.
    async with aioredis.Redis.from_url(redis_url) as admin:
        await admin.execute_command("CLIENT", "PAUSE", "300", "ALL")
    assert await cache.get("probe") is None
    await asyncio.sleep(0.4)


async def test_a_provider_outage_while_the_gate_is_closed_is_still_answered_from_redis(redis_url: str) -> None:
    cache = await Cache.open(redis_url, namespace="test", retry_after_s=30, rescue_timeout=2.0)
    await cache.get_or_fetch("k", lambda: _fetch_value("kept"), TTLClass.SEARCH)
    await cached_answer(cache, "answer", _answer_json, 60)
    await _gate_closed_by_a_slow_redis(cache, redis_url)

    rescued = await cache.get_or_fetch("k", _provider_down, TTLClass.SEARCH)
    refreshed = await cached_answer(cache, "answer", _provider_down_json, 60, refresh=True)

    assert (rescued.value, str(rescued.state)) == ("kept", "stale")
    assert cache.stats()["rescued"] == 1
    assert (refreshed.value["offers"], str(refreshed.state)) == (["kept"], "stale")
    # The gate itself stays closed: only requests about to fail pay for the longer read.
    assert await cache.get("k") is None
    with pytest.raises(_ProviderDown):
        await cache.get_or_fetch("never-stored", _provider_down, TTLClass.SEARCH)
    await cache.aclose()


async def _fetch_value(value: str) -> str:
    return value


async def _answer_json() -> dict[str, list[str]]:
    return {"offers": ["kept"]}


async def _provider_down_json() -> dict[str, list[str]]:
    raise ProviderUnavailable("the provider is down")
