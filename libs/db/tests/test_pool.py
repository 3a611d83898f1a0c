"""asyncpg pools against a real Postgres that we stop and start underneath them."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from tripsage_db.errors import DatabaseUnavailable
from tripsage_db.pool import check_database, create_pool, open_pool_lazily
from tripsage_testing import EmbeddedPostgres, free_port


async def _until_ok(pool: asyncpg.Pool, within: float) -> float:
    started = time.monotonic()
    while True:
        try:
            await check_database(pool)
            return time.monotonic() - started
        except DatabaseUnavailable:
            if time.monotonic() - started > within:
                raise
            await asyncio.sleep(0.1)


async def test_check_passes_against_a_running_database(postgres_dsn: str) -> None:
    pool = await create_pool(postgres_dsn, statement_cache_size=0)
    try:
        await check_database(pool)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
    finally:
        await pool.close()


async def test_check_fails_within_a_second_when_the_database_is_down(
    postgres_server: EmbeddedPostgres,
) -> None:
    pool = await create_pool(postgres_server.dsn, min_size=2)
    try:
        await asyncio.to_thread(postgres_server.stop)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as caught:
            await check_database(pool, within=1.0)
        # A refused connection fails at once; the bound only catches a check that hangs or keeps retrying, and sits
        # far above the 1 s allowed so that a busy machine cannot reach it.
        assert time.monotonic() - started < 10.0
        assert caught.value.reason
    finally:
        postgres_server.start()
        await pool.close()


async def test_same_pool_recovers_after_postgres_restarts(postgres_server: EmbeddedPostgres) -> None:
    pool = await create_pool(postgres_server.dsn, min_size=2, max_size=4)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT 1") == 1
        # In threads, as in production: the event loop keeps running and sees the connections drop.
        await asyncio.to_thread(postgres_server.stop)
        await asyncio.to_thread(postgres_server.start)

        # Generous: how soon Postgres answers again depends on the machine's load, not on the pool.
        await _until_ok(pool, within=60.0)

        results = await asyncio.gather(*(pool.fetchval("SELECT $1::int", i) for i in range(8)))
        assert results == list(range(8))
    finally:
        await pool.close()


async def test_lazy_pool_starts_without_database_and_connects_when_it_comes_up(
    postgres_server: EmbeddedPostgres,
) -> None:
    postgres_server.stop()
    started = time.monotonic()
    lazy = await open_pool_lazily(postgres_server.dsn, connect_timeout=1.0, retry_interval=0.1)
    try:
        # Waiting for the stopped database would never end; anything far below that is "at once".
        assert time.monotonic() - started < 30.0
        assert lazy.pool is None
        with pytest.raises(DatabaseUnavailable):
            await check_database(lazy)
        with pytest.raises(DatabaseUnavailable):
            lazy.acquire()

        postgres_server.start()
        await lazy.wait_connected(within=60.0)

        await lazy.check()
        async with lazy.acquire() as conn:
            assert await conn.fetchval("SELECT 7") == 7
    finally:
        await lazy.close()
    assert lazy.pool is None


async def test_lazy_pool_is_ready_at_once_when_database_is_up(postgres_dsn: str) -> None:
    lazy = await open_pool_lazily(postgres_dsn)
    try:
        assert lazy.ready
        await check_database(lazy)
    finally:
        await lazy.close()


async def test_create_pool_fails_fast_when_nothing_listens() -> None:
    started = time.monotonic()
    with pytest.raises(OSError, match=r"Connect call failed|refused"):
        await create_pool(f"postgresql://postgres@127.0.0.1:{free_port()}/tripsage", connect_timeout=1.0)
    assert time.monotonic() - started < 30.0  # refused at once; only a hang or long retries come near the bound


async def test_pgvector_distance_query_works(fresh_database: str) -> None:
    pool = await create_pool(fresh_database)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            version = await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            await conn.execute("CREATE TABLE places (name text, embedding vector(3))")
            await conn.execute("INSERT INTO places VALUES ('near', '[1,1,1]'), ('far', '[9,9,9]'), ('mid', '[3,3,3]')")
            nearest = await conn.fetch("SELECT name FROM places ORDER BY embedding <-> '[0,0,0]' LIMIT 2")
        assert [row["name"] for row in nearest] == ["near", "mid"]
        assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 7)
    finally:
        await pool.close()
