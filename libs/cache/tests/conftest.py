from __future__ import annotations

import pytest
import redis.asyncio as aioredis


@pytest.fixture(autouse=True)
async def _empty_redis(redis_url: str) -> None:
    """Each test starts from an empty database on the session's real redis-server."""
    async with aioredis.Redis.from_url(redis_url) as client:
        await client.flushdb()
