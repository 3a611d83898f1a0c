"""The Cache facade: get-or-fetch with TTL classes, single-flight and stale-if-error."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import structlog

from tripsage_cache._codec import Envelope, decode, encode
from tripsage_cache._keys import full_key, validate_namespace
from tripsage_cache._memory import MemoryBackend
from tripsage_cache._redis import RedisBackend
from tripsage_cache._singleflight import SingleFlight
from tripsage_cache._types import CacheResult, CacheState, TTLClass, ttl_seconds

if TYPE_CHECKING:
    from tripsage_core.settings import ServiceSettings

log = structlog.get_logger(__name__)

T = TypeVar("T")


class _Backend(Protocol):
    name: str
    errors: int

    async def get(self, key: str) -> bytes | None: ...
    async def rescue_get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, payload: bytes, keep_s: float) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def health(self) -> dict[str, Any]: ...
    async def aclose(self) -> None: ...


class Cache:
    """Namespaced JSON cache over Redis (or process memory) that never fails a request."""

    def __init__(self, backend: _Backend, *, namespace: str, stale_factor: float) -> None:
        if stale_factor < 1:
            raise ValueError(f"stale_factor must be >= 1, got {stale_factor}")
        self._backend = backend
        self._namespace = validate_namespace(namespace)
        self._stale_factor = stale_factor
        self._flights = SingleFlight()
        self._counts: Counter[str] = Counter()

    @classmethod
    async def open(
        cls,
        url: str | None,
        *,
        namespace: str,
        op_timeout: float = 0.05,
        retry_after_s: float = 2.0,
        rescue_timeout: float = 0.25,
        stale_factor: float = 24.0,
        max_local_entries: int = 10_000,
    ) -> Cache:
        """Connect to Redis at url, or use process memory when url is empty; never fails on a dead Redis."""
        validate_namespace(namespace)
        backend: _Backend
        if url is None or not url.strip():
            backend = MemoryBackend(max_local_entries)
            log.info(
                "cache_backend",
                backend="memory",
                reason="no_redis_url",
                namespace=namespace,
                max_entries=max_local_entries,
            )
        else:
            redis_backend = RedisBackend(
                url.strip(), op_timeout=op_timeout, retry_after_s=retry_after_s, rescue_timeout=rescue_timeout
            )
            up = await redis_backend.ping()
            log.info(
                "cache_backend",
                backend="redis",
                status="ok" if up else "down",
                namespace=namespace,
                **redis_backend.location,
            )
            backend = redis_backend
        return cls(backend, namespace=namespace, stale_factor=stale_factor)

    @classmethod
    @asynccontextmanager
    async def for_service(
        cls, settings: ServiceSettings, *, namespace: str, stale_factor: float | None = None
    ) -> AsyncIterator[Cache]:
        """A service's cache for its lifespan, from REDIS_URL and the stale multiplier, closed as the lifespan ends."""
        cache = await cls.open(
            settings.redis_url,
            namespace=namespace,
            op_timeout=settings.cache_op_timeout_s,
            stale_factor=settings.cache_stale_multiplier if stale_factor is None else stale_factor,
        )
        try:
            yield cache
        finally:
            await cache.aclose()

    @property
    def backend(self) -> str:
        """Backend name: "redis" or "memory"."""
        return self._backend.name

    async def get_or_fetch(
        self,
        key: str,
        fetch: Callable[[], Awaitable[T]],
        ttl: TTLClass | int,
        *,
        is_error: Callable[[Exception], bool] | None = None,
    ) -> CacheResult[T]:
        """Cached value if fresh, else fetch() once per key; falls back to a stale copy if fetch() fails.

        is_error decides which fetch exceptions are upstream failures that a stale copy may answer
        (default: all). Exceptions it rejects, and any failure with no stale copy, propagate unchanged.
        """
        fresh_s = ttl_seconds(ttl)
        storage_key = full_key(self._namespace, key)
        cached = await self._read(storage_key)
        if cached is not None and cached.is_fresh():
            self._counts["hits"] += 1
            return CacheResult(cast(T, cached.value), CacheState.HIT, cached.age_s())
        self._counts["misses"] += 1
        result, joined = await self._flights.run(
            storage_key, lambda: self._fetch_and_store(storage_key, fetch, fresh_s, cached, is_error)
        )
        if joined:
            self._counts["coalesced"] += 1
        if result.state is CacheState.STALE:
            self._counts["stale"] += 1
        return result

    async def get(self, key: str, *, allow_stale: bool = False, rescue: bool = False) -> Any | None:
        """Fresh cached value (or a stale one if allow_stale), else None; None is also a valid stored value.

        `rescue` is for a caller about to fail without the value: the read goes past the closed gate with the longer
        rescue timeout (see `rescue_get`).
        """
        cached = await self._read(full_key(self._namespace, key), rescue=rescue)
        if cached is None or not (allow_stale or cached.is_fresh()):
            return None
        return cached.value

    async def set(self, key: str, value: Any, ttl: TTLClass | int) -> bool:
        """Store a JSON-compatible value; False when the backend is unavailable, TypeError if unencodable."""
        fresh_s = ttl_seconds(ttl)
        return await self._backend.set(full_key(self._namespace, key), encode(value, fresh_s), self._keep_s(fresh_s))

    async def delete(self, key: str) -> None:
        """Remove a key; silently skipped when the backend is unavailable."""
        await self._backend.delete(full_key(self._namespace, key))

    async def health(self) -> dict[str, Any]:
        """Backend status for readiness endpoints; bounded by the operation timeout, never raises."""
        return await self._backend.health()

    def stats(self) -> dict[str, int]:
        """Counters since open, for services to export as metrics."""
        names = ("hits", "misses", "stale", "rescued", "coalesced", "fetches", "fetch_errors")
        report = {name: self._counts[name] for name in names}
        report["backend_errors"] = self._backend.errors
        report["in_flight"] = self._flights.in_flight()
        return report

    async def aclose(self) -> None:
        """Release backend connections."""
        await self._backend.aclose()

    async def _fetch_and_store(
        self,
        storage_key: str,
        fetch: Callable[[], Awaitable[T]],
        fresh_s: int,
        previous: Envelope | None,
        is_error: Callable[[Exception], bool] | None,
    ) -> CacheResult[T]:
        self._counts["fetches"] += 1
        try:
            value = await fetch()
        except Exception as exc:
            self._counts["fetch_errors"] += 1
            if is_error is not None and not is_error(exc):
                raise
            if previous is None:
                # The fast read may have found nothing only because Redis was slow or gated: worth one more look
                # before the caller gets an error.
                previous = await self._read(storage_key, rescue=True)
                if previous is None:
                    raise
                self._counts["rescued"] += 1
            log.debug("cache_serving_stale", key=storage_key, error=type(exc).__name__)
            return CacheResult(cast(T, previous.value), CacheState.STALE, previous.age_s())
        payload = encode(value, fresh_s)
        await self._backend.set(storage_key, payload, self._keep_s(fresh_s))
        # Return what a later hit would return, so callers never see types that only exist on a miss.
        return CacheResult(cast(T, decode(payload).value), CacheState.MISS, 0.0)

    async def _read(self, storage_key: str, *, rescue: bool = False) -> Envelope | None:
        payload = await (self._backend.rescue_get if rescue else self._backend.get)(storage_key)
        if payload is None:
            return None
        try:
            return decode(payload)
        except (ValueError, TypeError) as exc:
            # Someone else's data under our key: treat it as a miss; the next fetch overwrites it.
            log.warning("cache_entry_invalid", key=storage_key, error=str(exc))
            return None

    def _keep_s(self, fresh_s: int) -> float:
        return math.ceil(fresh_s * self._stale_factor)
