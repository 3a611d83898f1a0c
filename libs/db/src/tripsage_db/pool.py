"""asyncpg connection pools that survive Postgres being down at startup or restarting later.

A restart needs nothing from us: asyncpg notices closed connections and reconnects on the next
`acquire()`. What asyncpg does not do is start without a database, hence `open_pool_lazily`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict, Unpack

import asyncpg
import structlog

from tripsage_db.errors import CONNECT_FAILURES, DatabaseUnavailable

log = structlog.get_logger(__name__)

_CONNECTION_ERRORS = CONNECT_FAILURES


class PoolOptions(TypedDict, total=False):
    """How `create_pool` opens a pool; `open_pool_lazily` passes them on unchanged (the defaults live there)."""

    min_size: int
    max_size: int
    statement_cache_size: int | None
    command_timeout: float
    connect_timeout: float
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    statement_cache_size: int | None = None,
    command_timeout: float = 5.0,
    connect_timeout: float = 3.0,
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """Open a pool now (raises if Postgres is unreachable within `connect_timeout`).

    Pass `statement_cache_size=0` behind a transaction-mode pooler (pgbouncer, Supabase's
    Supavisor on port 6543): its server connections change between transactions, so cached
    prepared statements would point at statements that do not exist there. `None` keeps
    asyncpg's default cache, right for direct and session-mode connections.
    """
    options: dict[str, Any] = {}
    if statement_cache_size is not None:
        options["statement_cache_size"] = statement_cache_size
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        timeout=connect_timeout,
        init=init,
        **options,
    )


async def check_database(pool: asyncpg.Pool | LazyPool | None, *, within: float = 1.0) -> None:
    """Run `SELECT 1`; raise `DatabaseUnavailable` within about `within` seconds if it cannot."""
    if isinstance(pool, LazyPool):
        pool = pool.pool
    if pool is None:
        raise DatabaseUnavailable(reason="not connected yet")
    try:
        async with asyncio.timeout(within):
            async with pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
    except _CONNECTION_ERRORS as exc:
        raise DatabaseUnavailable(reason=_describe(exc)) from exc


class LazyPool:
    """Holds `.pool`, None until Postgres has answered once; a background task keeps trying until then."""

    def __init__(
        self,
        dsn: str,
        *,
        retry_interval: float,
        max_retry_interval: float,
        pool_options: PoolOptions,
    ) -> None:
        self.pool: asyncpg.Pool | None = None
        self._dsn = dsn
        self._retry_interval = retry_interval
        self._max_retry_interval = max_retry_interval
        self._pool_options = pool_options
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def ready(self) -> bool:
        """Whether the pool exists (the database may still be down since; use `check`)."""
        return self.pool is not None

    def acquire(self, *, timeout: float | None = None) -> Any:
        """`async with lazy.acquire() as conn:`; raises `DatabaseUnavailable` before the first connect."""
        if self.pool is None:
            raise DatabaseUnavailable(reason="not connected yet")
        return self.pool.acquire(timeout=timeout)

    async def check(self, *, within: float = 1.0) -> None:
        """Same as `check_database(self)`."""
        await check_database(self, within=within)

    async def wait_connected(self, within: float) -> asyncpg.Pool:
        """Wait until the pool exists; raise `DatabaseUnavailable` after `within` seconds."""
        try:
            async with asyncio.timeout(within):
                await self._connected.wait()
        except TimeoutError:
            raise DatabaseUnavailable(reason=f"not connected after {within}s") from None
        assert self.pool is not None
        return self.pool

    async def close(self, *, grace: float = 5.0) -> None:
        """Stop retrying and close the pool (terminating connections still busy after `grace` seconds)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        pool, self.pool = self.pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), grace)
            except TimeoutError:
                pool.terminate()

    async def _try_connect(self) -> bool:
        try:
            self.pool = await create_pool(self._dsn, **self._pool_options)
        except _CONNECTION_ERRORS as exc:
            log.warning("database_unavailable", error=_describe(exc))
            return False
        self._connected.set()
        log.info("database_connected")
        return True

    async def _connect_until_up(self) -> None:
        delay = self._retry_interval
        while not await self._try_connect():
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_interval)

    def _start_background_connect(self) -> None:
        self._task = asyncio.create_task(self._connect_until_up(), name="tripsage-db-connect")


async def open_pool_lazily(
    dsn: str,
    *,
    retry_interval: float = 0.5,
    max_retry_interval: float = 5.0,
    **pool_options: Unpack[PoolOptions],
) -> LazyPool:
    """Try once to open a pool; if Postgres is down, return anyway and keep retrying in the background.

    Meant for a FastAPI lifespan: `db = await open_pool_lazily(url)`, `/ready` calls
    `await check_database(db)`, shutdown calls `await db.close()`. The service starts and reports
    not-ready while the database is down, then becomes ready without a restart.
    """
    lazy = LazyPool(
        dsn,
        retry_interval=retry_interval,
        max_retry_interval=max_retry_interval,
        pool_options=pool_options,
    )
    if not await lazy._try_connect():
        lazy._start_background_connect()
    return lazy


def _describe(exc: BaseException) -> str:
    # The class name plus asyncpg's message; neither contains the DSN or its password.
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
