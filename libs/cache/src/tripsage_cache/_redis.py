"""Redis backend that never raises: faults mark it down for a while and callers carry on uncached."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

R = TypeVar("R")

# Everything a dead, blackholed or misbehaving Redis can throw at us.
_REDIS_FAULTS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)

# One retry, on a fresh socket, and only for a connection error: a pooled connection that a Redis restart left dead
# fails at once, and without the retry one such socket would close the gate for every request. Timeouts are never
# retried: a retry against a hung or dead Redis only doubles the time we waste (a refused dial costs nothing).
_FRESH_SOCKET_ONCE = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


class RedisBackend:
    """Redis/Dragonfly store with short timeouts and a 'looks down, retry later' gate."""

    name = "redis"

    def __init__(self, url: str, *, op_timeout: float, retry_after_s: float, rescue_timeout: float) -> None:
        if op_timeout <= 0 or retry_after_s <= 0 or rescue_timeout <= 0:
            raise ValueError("op_timeout, retry_after_s and rescue_timeout must be positive")
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url, socket_timeout=op_timeout, socket_connect_timeout=op_timeout, retry=_FRESH_SOCKET_ONCE
        )
        kwargs = self._client.connection_pool.connection_kwargs
        self.location = {"host": kwargs.get("host"), "port": kwargs.get("port"), "db": kwargs.get("db", 0)}
        # Hard ceiling per operation: a fresh connection costs a connect plus a round trip.
        self._deadline_s = op_timeout * 2
        self._retry_after_s = retry_after_s
        self._down = False
        self._retry_at = 0.0
        self.errors = 0
        self._dropping: asyncio.Task[None] | None = None
        self._url = url
        self._rescue_timeout = rescue_timeout
        self._rescue_client: aioredis.Redis | None = None

    @property
    def is_down(self) -> bool:
        """True while the gate is closed after a fault."""
        return self._down

    async def get(self, key: str) -> bytes | None:
        """Stored payload, or None when absent or Redis is unavailable."""
        payload = await self._guarded(lambda: self._client.get(key), None)
        # The client is built without decode_responses, so GET yields bytes; str only if someone changes that.
        return payload.encode("utf-8") if isinstance(payload, str) else payload

    async def rescue_get(self, key: str) -> bytes | None:
        """One more read for a request that will fail without it: past the gate, with the longer rescue timeout.

        Under CPU starvation the 50 ms fast path times out although Redis is fine, and the gate then skips Redis for
        seconds; a provider outage in that window would turn every cached search into an error. Its own small
        client, so its longer socket timeout never slows the fast path.
        """
        if self._rescue_client is None:
            self._rescue_client = aioredis.Redis.from_url(
                self._url,
                socket_timeout=self._rescue_timeout,
                socket_connect_timeout=self._rescue_timeout,
                retry=_FRESH_SOCKET_ONCE,
            )
        try:
            async with asyncio.timeout(self._rescue_timeout * 2):
                payload = await self._rescue_client.get(key)
        except _REDIS_FAULTS:
            self.errors += 1
            return None
        return payload.encode("utf-8") if isinstance(payload, str) else payload

    async def set(self, key: str, payload: bytes, keep_s: float) -> bool:
        """Store a payload for keep_s seconds; False if Redis is unavailable."""
        keep_ms = max(1, math.ceil(keep_s * 1000))
        stored = await self._guarded(lambda: self._client.set(key, payload, px=keep_ms), None)
        return bool(stored)

    async def delete(self, key: str) -> None:
        """Remove a key; silently skipped when Redis is unavailable."""
        await self._guarded(lambda: self._client.delete(key), None)

    async def ping(self) -> bool:
        """One bounded PING that ignores the gate; updates the up/down state."""
        try:
            async with asyncio.timeout(self._deadline_s):
                await self._client.ping()
        except _REDIS_FAULTS as exc:
            self._mark_down(exc)
            return False
        self._mark_up()
        return True

    async def health(self) -> dict[str, Any]:
        """Backend status from a live PING, bounded by the operation timeout."""
        started = time.perf_counter()
        ok = await self.ping()
        report: dict[str, Any] = {"backend": self.name, "status": "ok" if ok else "down"}
        if ok:
            report["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return report

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._dropping is not None:
            await self._dropping
        for client in (self._client, self._rescue_client):
            if client is None:
                continue
            try:
                async with asyncio.timeout(self._deadline_s):
                    await client.aclose()
            except _REDIS_FAULTS:
                pass  # closing a dead connection can fail; there is nothing left to release

    async def _guarded(self, op: Callable[[], Awaitable[R]], fallback: R) -> R:
        """Run op unless the gate is closed; any Redis fault returns fallback instead of raising."""
        if self._down:
            now = time.monotonic()
            if now < self._retry_at:
                return fallback
            # This caller probes; everyone else keeps skipping Redis until the probe answers.
            self._retry_at = now + self._retry_after_s
        try:
            async with asyncio.timeout(self._deadline_s):
                result = await op()
        except _REDIS_FAULTS as exc:
            self._mark_down(exc)
            return fallback
        self._mark_up()
        return result

    def _mark_down(self, exc: BaseException) -> None:
        self.errors += 1
        self._retry_at = time.monotonic() + self._retry_after_s
        if self._down:
            return
        self._down = True
        log.warning(
            "cache_unavailable",
            backend=self.name,
            error=f"{type(exc).__name__}: {exc}",
            retry_after_s=self._retry_after_s,
            **self.location,
        )
        # Idle pooled sockets to a dead server are useless; dropping them lets the next probe dial fresh. In the
        # background, so no request waits for it or sees its failures.
        if self._dropping is None or self._dropping.done():
            self._dropping = asyncio.create_task(self._drop_idle_connections())

    async def _drop_idle_connections(self) -> None:
        # Only the idle ones: closing a connection another request is using (in the middle of its connect or its
        # command) made that request fail with the transport's RuntimeError or AttributeError, outside every Redis
        # fault type: an unhandled 500, seen under CPU starvation where timeouts fire mid-connect (issue 20).
        # In-use connections end by their own timeouts and go back to the pool disconnected.
        try:
            async with asyncio.timeout(self._deadline_s):
                await self._client.connection_pool.disconnect(inuse_connections=False)
        except _REDIS_FAULTS:
            pass
        except asyncio.CancelledError:
            # redis-py re-raises a connection's own timed-out close as CancelledError; only ours propagates.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise

    def _mark_up(self) -> None:
        if self._down:
            self._down = False
            log.info("cache_recovered", backend=self.name, **self.location)
