"""Per-user rate limits (per client IP before authentication), in Redis so every replica shares one budget.

Built on `limits`' storage (fixed windows: one INCR-with-expiry Lua script per request, which declares the one key
it touches, as Dragonfly requires).
Redis is never a point of failure: while it is down, reads pass uncounted (fail open) and searches and writes
are counted per replica in memory, so a Redis outage neither blocks traffic nor lifts every limit; both are logged
once and counted in metrics.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import structlog
from fastapi import Depends, Request, Response
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import RedisError

from tripsage_core.app import telemetry_of
from tripsage_core.auth import Principal, require_user
from tripsage_core.errors import RateLimited, Unauthorized

log = structlog.get_logger(__name__)

_REDIS_POOL_SIZE = 64
_SEARCH_SUFFIXES = ("/search", "/places", "/directions", "/distance-matrix", "/brief")


class RateClass(StrEnum):
    SEARCH = "search"
    READ = "read"
    WRITE = "write"
    ANONYMOUS = "anonymous"


def classify(method: str, path: str) -> RateClass:
    """Searches cost providers money and quota, so they get the tightest budget."""
    if path.endswith(_SEARCH_SUFFIXES):
        return RateClass.SEARCH
    return RateClass.READ if method in ("GET", "HEAD") else RateClass.WRITE


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after_s),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_after_s))
        return headers


class RateLimiter:
    def __init__(
        self,
        *,
        redis_url: str | None,
        limits: dict[RateClass, str],
        op_timeout_s: float = 0.05,
        redis_retry_after_s: float = 2.0,
    ) -> None:
        self._items: dict[RateClass, RateLimitItem] = {klass: parse(spec) for klass, spec in limits.items()}
        self._op_timeout_s = op_timeout_s
        self._retry_after_s = redis_retry_after_s
        self._store = (
            RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix="tripsage:ratelimit",
                # A burst larger than the pool must queue for a connection: redis-py's default pool raises
                # MaxConnectionsError instead, which read as "Redis down" and let the burst through a second
                # time on the per-replica counters.
                connection_pool=BlockingConnectionPool.from_url(  # type: ignore[arg-type]  # limits types **options narrowly
                    redis_url,
                    max_connections=_REDIS_POOL_SIZE,
                    timeout=op_timeout_s * 4,
                    # No socket timeout: redis-py enforces one with asyncio.wait_for, a task per command written;
                    # `check` bounds the whole call with one asyncio.timeout instead (issue 20).
                    socket_connect_timeout=op_timeout_s,
                ),
            )
            if redis_url
            else None
        )
        self._local = MemoryStorage()
        self._redis_skipped_until = 0.0
        self.redis_down = self._store is None

    async def store_health(self) -> dict[str, str]:
        """For readiness: whether the shared counters are reachable (a per-replica fallback covers them if not)."""
        if self._store is None:
            return {"backend": "memory"}
        if not await self._store.check():
            raise ConnectionError("the rate-limit store (Redis) does not answer")
        return {"backend": "redis"}

    async def check(self, klass: RateClass, identity: str) -> Decision | None:
        """Count one request; None when it passed uncounted (a read while Redis is down)."""
        item = self._items[klass]
        # Searches and writes are always counted in this replica's memory as well: when Redis fails mid-window
        # (a burst can itself push a call past its timeout) the fallback continues this replica's count instead
        # of handing out a fresh budget, which would let the burst through a second time.
        local = None if klass is RateClass.READ else await self._hit(self._local, item, klass, identity)
        if self._store is not None and time.monotonic() >= self._redis_skipped_until:
            try:
                async with asyncio.timeout(self._op_timeout_s * 4):
                    return await self._hit(self._store, item, klass, identity)
            except (RedisError, OSError, TimeoutError) as exc:
                self._redis_skipped_until = time.monotonic() + self._retry_after_s
                if not self.redis_down:
                    log.warning("rate_limit_store_down", error=type(exc).__name__, fallback="reads open, rest local")
                self.redis_down = True
        return local

    async def _hit(self, storage: Storage, item: RateLimitItem, klass: RateClass, who: str) -> Decision:
        # One round trip on the common path: the counter's new value gives the remaining budget. Only a refusal
        # asks the store when the window ends, for an exact Retry-After.
        key = item.key_for(klass.value, who)
        count = await storage.incr(key, item.get_expiry())
        if storage is self._store and self.redis_down:
            self.redis_down = False
            log.info("rate_limit_store_recovered")
        allowed = count <= item.amount
        reset_after = item.get_expiry()
        if not allowed:
            reset_after = max(1, int(await storage.get_expiry(key) - time.time() + 0.999))
        return Decision(
            allowed=allowed, limit=item.amount, remaining=max(0, item.amount - count), reset_after_s=reset_after
        )


async def admit(request: Request) -> Principal:
    """Authenticate and count the request; raises 401 or 429. The decision is kept for `rate_limit_headers`.

    Called directly by the forwarding routes (no FastAPI dependency to solve per request: ~10% of the gateway's
    CPU, issue 20) and through `LimitedUser` by the others.
    """
    limiter: RateLimiter = request.app.state.service.limiter
    telemetry = telemetry_of(request.app)
    try:
        user = await require_user(request)
    except Unauthorized:
        client = request.client.host if request.client else "unknown"
        decision = await limiter.check(RateClass.ANONYMOUS, client)
        if decision is not None and not decision.allowed:
            raise RateLimited("Too many unauthenticated requests.", headers=decision.headers()) from None
        raise
    klass = classify(request.method, request.scope["path"])
    decision = await limiter.check(klass, user.user_id)
    if decision is None:
        telemetry.increment("tripsage.ratelimit", tags={"class": klass.value, "result": "open"})
        return user
    request.state.rate_limit = decision
    if not decision.allowed:
        telemetry.increment("tripsage.ratelimit", tags={"class": klass.value, "result": "limited"})
        raise RateLimited(
            f"Too many {klass.value} requests; try again in {decision.reset_after_s} s.", headers=decision.headers()
        )
    return user


async def _limited_user(request: Request, response: Response) -> Principal:
    user = await admit(request)
    response.headers.update(rate_limit_headers(request))
    return user


LimitedUser = Annotated[Principal, Depends(_limited_user)]


def rate_limit_headers(request: Request) -> dict[str, str]:
    """The headers of this request's decision, for handlers that build their own Response."""
    decision: Decision | None = getattr(request.state, "rate_limit", None)
    return decision.headers() if decision else {}
