"""Our own SQL on mem0's table, for what mem0's pgvector store cannot do: keyset pages, erasure, binding the dimension.

mem0's `get_all` has no offset or order and its `delete_all` deletes row by row (10k round trips, each writing a
history entry with the erased text); erasing a user is one statement here instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from tripsage_db.pool import LazyPool
from tripsage_memory.errors import CollectionNotReady, DimensionMismatch, InvalidCursor

log = structlog.get_logger(__name__)

# Under the gateway's 2 s upstream deadline, so Postgres down is this service's 503 rather than the gateway's 504.
ACQUIRE_TIMEOUT_S = 1.0


_COLUMN_DIMS = """
SELECT a.atttypmod
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relname = $1 AND a.attname = 'vector' AND NOT a.attisdropped
"""


@dataclass(frozen=True, slots=True)
class StoredMemory:
    id: uuid.UUID
    payload: dict[str, Any]


def encode_cursor(created_at: str, memory_id: uuid.UUID) -> str:
    raw = json.dumps([created_at, str(memory_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        created_at, memory_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(created_at), uuid.UUID(str(memory_id))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursor() from None


class MemoryTable:
    """The pgvector table `public.<collection>`; its name passed the settings' identifier pattern."""

    def __init__(self, pool: LazyPool, collection: str, dims: int) -> None:
        self._pool = pool
        self.name = collection
        self._table = f'public."{collection}"'
        self.dims = dims
        self.bound = False

    async def bind(self) -> None:
        """Check (or, on first start, set) the vector column's dimension; idempotent and safe across replicas."""
        if self.bound:
            return
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            column_dims = await conn.fetchval(_COLUMN_DIMS, self.name)
            if column_dims is None:
                raise CollectionNotReady(f"table {self._table} does not exist; run the migrations")
            if column_dims < 0:
                await self._bind_dimension(conn)
            elif column_dims != self.dims:
                raise DimensionMismatch.of_table(table=self.name, column_dims=column_dims, configured_dims=self.dims)
        self.bound = True
        log.info("memory_table_bound", table=self.name, dims=self.dims)

    async def _bind_dimension(self, conn: asyncpg.Connection) -> None:
        # The migration cannot know the embedding model, so the first replica to start fixes the dimension (the
        # table is empty until then: nothing writes before binding) and builds the HNSW index that needs it.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"tripsage-memory-bind:{self.name}")
            column_dims = await conn.fetchval(_COLUMN_DIMS, self.name)
            if column_dims is not None and column_dims < 0:
                await conn.execute(f"ALTER TABLE {self._table} ALTER COLUMN vector TYPE vector({int(self.dims)})")
                await conn.execute(
                    f'CREATE INDEX IF NOT EXISTS "{self.name}_hnsw_idx" ON {self._table} '
                    "USING hnsw (vector vector_cosine_ops)"
                )
                log.info("memory_table_dimension_set", table=self.name, dims=self.dims)
            elif column_dims != self.dims:
                raise DimensionMismatch.of_table(table=self.name, column_dims=column_dims, configured_dims=self.dims)

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None, category: str | None, trip_id: str | None
    ) -> tuple[list[StoredMemory], str | None]:
        """One page of a user's memories, newest first, and the cursor of the next page."""
        after = decode_cursor(cursor) if cursor else None
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            rows = await conn.fetch(
                f"""
                SELECT id, payload::text AS payload FROM {self._table}
                WHERE payload->>'user_id' = $1
                  AND ($2::text IS NULL OR payload->>'category' = $2)
                  AND ($3::text IS NULL OR payload->>'trip_id' = $3)
                  AND ($4::text IS NULL OR (payload->>'created_at', id) < ($4::text, $5::uuid))
                ORDER BY payload->>'created_at' DESC, id DESC
                LIMIT $6
                """,  # noqa: S608 - identifiers come from the settings' pattern; values are bind parameters
                user_id,
                category,
                trip_id,
                after[0] if after else None,
                after[1] if after else None,
                limit + 1,
            )
        items = [StoredMemory(id=row["id"], payload=json.loads(row["payload"])) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(str(last.payload.get("created_at", "")), last.id)
        return items, next_cursor

    async def erase(self, user_id: str) -> int:
        """Delete every row of `user_id`, in this table and in mem0's entity table if it exists; one transaction."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            deleted = await conn.fetchval(
                f"WITH gone AS (DELETE FROM {self._table} WHERE payload->>'user_id' = $1 RETURNING 1) "  # noqa: S608
                "SELECT count(*) FROM gone",
                user_id,
            )
            entities = await conn.fetchval("SELECT to_regclass($1)", f'public."{self.name}_entities"')
            if entities is not None:
                await conn.execute(
                    f"DELETE FROM public.\"{self.name}_entities\" WHERE payload->>'user_id' = $1",  # noqa: S608
                    user_id,
                )
        return int(deleted)
