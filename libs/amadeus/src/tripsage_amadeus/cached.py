"""Cached provider answers with stale-if-error, and an explicit refresh that still falls back to the cached copy."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from tripsage_cache import Cache, CacheResult, CacheState
from tripsage_core.errors import TripSageError

FETCHED_AT = "fetched_at"


def is_transient(exc: Exception) -> bool:
    """Whether a stale cached answer may stand in for this failure (outages, not bad requests)."""
    return isinstance(exc, TripSageError) and exc.status_code >= 500


async def cached_answer(
    cache: Cache,
    key: str,
    fetch: Callable[[], Awaitable[dict[str, Any]]],
    ttl_s: int,
    *,
    refresh: bool = False,
) -> CacheResult[dict[str, Any]]:
    """The cached answer while fresh, else fetch(); on an outage the last good answer comes back as `stale`.

    `refresh` skips a fresh copy (a traveller asking for current prices) but an outage still gets the copy, marked
    stale, rather than an error. Answers are dicts stamped with `fetched_at` so a refreshed copy knows its age.
    """

    async def stamped() -> dict[str, Any]:
        return {**await fetch(), FETCHED_AT: time.time()}

    if not refresh:
        return await cache.get_or_fetch(key, stamped, ttl_s, is_error=is_transient)
    previous = await cache.get(key, allow_stale=True)
    try:
        value = await stamped()
    except Exception as exc:
        if not isinstance(previous, dict) or not is_transient(exc):
            raise
        age = max(0.0, time.time() - float(previous.get(FETCHED_AT, time.time())))
        return CacheResult(previous, CacheState.STALE, age)
    await cache.set(key, value, ttl_s)
    return CacheResult(value, CacheState.MISS, 0.0)


async def cache_report(cache: Cache) -> dict[str, Any]:
    """Backend health plus hit/miss/stale counters, for readiness details (where operators look first)."""
    return {**await cache.health(), **cache.stats()}
