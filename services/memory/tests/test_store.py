from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest

from tripsage_db.pool import open_pool_lazily
from tripsage_memory.errors import DimensionMismatch, InvalidCursor
from tripsage_memory.store import MemoryTable, decode_cursor, encode_cursor


def test_a_cursor_round_trips_its_position() -> None:
    memory_id = uuid.uuid4()
    cursor = encode_cursor("2026-11-26T07:25:51.609815+00:00", memory_id)

    assert decode_cursor(cursor) == ("2026-11-26T07:25:51.609815+00:00", memory_id)
    assert "=" not in cursor


@pytest.mark.parametrize("cursor", ["", "not-base64!", "bnVsbA", "WyJhIl0", "WyJhIiwibm90LWEtdXVpZCJd"])
def test_a_cursor_we_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


async def test_replicas_starting_together_bind_the_dimension_once(migrated_database: str) -> None:
    pools = [await open_pool_lazily(migrated_database, max_size=2) for _ in range(3)]
    try:
        await asyncio.gather(*(MemoryTable(pool, "memories", 384).bind() for pool in pools))
        with pytest.raises(DimensionMismatch, match="has 384 dimensions but MEMORY_EMBEDDING_DIMS is 1536"):
            await MemoryTable(pools[0], "memories", 1536).bind()
    finally:
        for pool in pools:
            await pool.close()

    with psycopg.connect(migrated_database) as conn:
        column = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'memories'::regclass AND attname = 'vector'"
        ).fetchone()
        indexes = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'memories' AND indexdef LIKE '%hnsw%'"
        ).fetchall()
    assert column == ("vector(384)",)
    assert len(indexes) == 1
