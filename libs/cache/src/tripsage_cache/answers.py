"""Cached provider answers, the same way in every service: what a stale copy may stand in for, how a model is
stored, stale-if-error around an explicit refresh, how an answer's origin is shown (metadata, `X-Cache`, a metric),
and the cache's readiness check."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from tripsage_cache._cache import Cache
from tripsage_cache._types import CacheResult, CacheState
from tripsage_core.app import telemetry_of
from tripsage_core.errors import TripSageError

FETCHED_AT = "fetched_at"

CacheStatus = Literal["hit", "miss", "stale", "bypass"]


class AnswerMeta(BaseModel):
    """Where an answer came from; `cache` is also sent as the `X-Cache` header (`stale`: the provider failed and an
    older copy stood in)."""

    cache: CacheStatus
    age_s: float = Field(0.0, description="Seconds since the provider produced this answer")
    provider: str = Field(examples=["amadeus"])


class ResponseMeta(AnswerMeta):
    # Flights and stays spell `stale` out. No docstring: it would become the model's description in their API.
    stale: bool = False

    @classmethod
    def of(cls, result: CacheResult[Any], *, provider: str) -> ResponseMeta:
        """The metadata of an answer the cache gave (hit, miss or stale) for this provider."""
        state = result.state.value
        return cls(cache=state, age_s=round(result.age_s, 3), provider=provider, stale=state == CacheState.STALE)


def stale_may_answer(exc: Exception) -> bool:
    """Provider trouble (any 5xx) may be answered from a stale copy; a caller's mistake (a 4xx) may not."""
    return isinstance(exc, TripSageError) and exc.status_code >= 500


def as_json(value: BaseModel | list[BaseModel]) -> Any:
    """A model (or a list of them) as the JSON the cache stores; validate it back with the model on the way out."""
    if isinstance(value, list):
        return [item.model_dump(mode="json") for item in value]
    return value.model_dump(mode="json")


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
        return await cache.get_or_fetch(key, stamped, ttl_s, is_error=stale_may_answer)
    previous = await cache.get(key, allow_stale=True)
    try:
        value = await stamped()
    except Exception as exc:
        if not stale_may_answer(exc):
            raise
        if previous is None:
            previous = await cache.get(key, allow_stale=True, rescue=True)
        if not isinstance(previous, dict):
            raise
        age = max(0.0, time.time() - float(previous.get(FETCHED_AT, time.time())))
        return CacheResult(previous, CacheState.STALE, age)
    await cache.set(key, value, ttl_s)
    return CacheResult(value, CacheState.MISS, 0.0)


# The query parameter of every cached search: skip a fresh copy, yet still fall back to it when the provider is down.
Refresh = Annotated[
    bool, Query(description="Ask the provider even if a fresh copy is cached; an outage still gets the copy")
]


def mark_answer(request: Request, response: Response, cache: str, *, service: str) -> None:
    """Make an answer's origin visible beyond its JSON: the `X-Cache` header and the `tripsage.cache` metric."""
    response.headers["X-Cache"] = cache
    telemetry_of(request.app).increment("tripsage.cache", tags={"service": service, "result": cache})


async def cache_readiness(cache: Cache) -> dict[str, Any]:
    """Backend health plus hit/miss/stale counters; a down backend fails the (non-critical) check."""
    health = await cache.health()
    if health.get("status") != "ok":
        raise RuntimeError(f"{health.get('backend')} is down; requests run uncached")
    return {**health, **cache.stats()}
