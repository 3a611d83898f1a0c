"""SQL for trips. Every statement filters by user_id: another user's row is simply not found."""

# ruff: noqa: S608 - the only interpolated SQL is module-constant column lists; every value is a bind parameter.

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg
import orjson

_TRIP_COLUMNS = (
    "id, name, destination, origin, start_date, end_date, travelers, budget_amount, budget_currency, notes, "
    "created_at, updated_at"
)
_ITEM_COLUMNS = "id, trip_id, kind, ref, title, price_amount, price_currency, snapshot, saved_at"
# Columns a PATCH may set, by model field; `budget` spans two columns.
_UPDATABLE = {"name", "destination", "origin", "start_date", "end_date", "travelers", "notes"}


async def init_connection(connection: asyncpg.Connection) -> None:
    """jsonb as Python values via orjson, on every pooled connection."""
    await connection.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads
    )


async def insert_trip(connection: asyncpg.Connection, user_id: str, fields: dict[str, Any]) -> asyncpg.Record:
    budget = fields.get("budget") or {}
    return await connection.fetchrow(
        f"""INSERT INTO trips (user_id, name, destination, origin, start_date, end_date, travelers,
                               budget_amount, budget_currency, notes)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {_TRIP_COLUMNS}""",
        user_id,
        fields["name"],
        fields["destination"],
        fields.get("origin"),
        fields["start_date"],
        fields["end_date"],
        fields["travelers"],
        budget.get("amount"),
        budget.get("currency"),
        fields.get("notes"),
    )


async def get_trip(connection: asyncpg.Connection, user_id: str, trip_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {_TRIP_COLUMNS} FROM trips WHERE user_id = $1 AND id = $2", user_id, trip_id
    )


async def list_trips(
    connection: asyncpg.Connection, user_id: str, *, limit: int, before: tuple[dt.datetime, UUID] | None
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record]
    if before is None:
        rows = await connection.fetch(
            f"SELECT {_TRIP_COLUMNS} FROM trips WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            user_id,
            limit,
        )
    else:
        rows = await connection.fetch(
            f"""SELECT {_TRIP_COLUMNS} FROM trips
                WHERE user_id = $1 AND (created_at, id) < ($2, $3)
                ORDER BY created_at DESC, id DESC LIMIT $4""",
            user_id,
            before[0],
            before[1],
            limit,
        )
    return rows


async def update_trip(
    connection: asyncpg.Connection, user_id: str, trip_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    assignments: list[str] = []
    values: list[Any] = [user_id, trip_id]
    for field, value in changes.items():
        if field == "budget":
            budget = value or {}
            for column, part in (("budget_amount", "amount"), ("budget_currency", "currency")):
                values.append(budget.get(part))
                assignments.append(f"{column} = ${len(values)}")
        elif field in _UPDATABLE:
            values.append(value)
            assignments.append(f"{field} = ${len(values)}")
    assignments.append("updated_at = now()")
    return await connection.fetchrow(
        f"UPDATE trips SET {', '.join(assignments)} WHERE user_id = $1 AND id = $2 RETURNING {_TRIP_COLUMNS}",
        *values,
    )


async def delete_trip(connection: asyncpg.Connection, user_id: str, trip_id: UUID) -> bool:
    return (
        await connection.fetchval("DELETE FROM trips WHERE user_id = $1 AND id = $2 RETURNING true", user_id, trip_id)
        is not None
    )


async def insert_item(
    connection: asyncpg.Connection, user_id: str, trip_id: UUID, item: dict[str, Any]
) -> asyncpg.Record:
    price = item.get("price") or {}
    return await connection.fetchrow(
        f"""INSERT INTO trip_items (trip_id, user_id, kind, ref, title, price_amount, price_currency, snapshot)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_ITEM_COLUMNS}""",
        trip_id,
        user_id,
        item["kind"],
        item["ref"],
        item["title"],
        price.get("amount"),
        price.get("currency"),
        item["snapshot"],
    )


async def list_items(connection: asyncpg.Connection, user_id: str, trip_id: UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await connection.fetch(
        f"SELECT {_ITEM_COLUMNS} FROM trip_items WHERE user_id = $1 AND trip_id = $2 ORDER BY saved_at, id",
        user_id,
        trip_id,
    )
    return rows


async def get_item(connection: asyncpg.Connection, user_id: str, trip_id: UUID, item_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {_ITEM_COLUMNS} FROM trip_items WHERE user_id = $1 AND trip_id = $2 AND id = $3",
        user_id,
        trip_id,
        item_id,
    )


async def delete_item(connection: asyncpg.Connection, user_id: str, trip_id: UUID, item_id: UUID) -> bool:
    return (
        await connection.fetchval(
            "DELETE FROM trip_items WHERE user_id = $1 AND trip_id = $2 AND id = $3 RETURNING true",
            user_id,
            trip_id,
            item_id,
        )
        is not None
    )


async def claim_idempotency_key(
    connection: asyncpg.Connection, user_id: str, key: str, request_hash: str
) -> asyncpg.Record | None:
    """Claim a key inside the caller's transaction; a concurrent claim waits here until that one commits.

    Returns None when the key is new (now held), else the stored record of the first request.
    """
    claimed = await connection.fetchval(
        """INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, key) DO NOTHING RETURNING true""",
        user_id,
        key,
        request_hash,
    )
    if claimed:
        return None
    return await connection.fetchrow(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        user_id,
        key,
    )


async def record_idempotent_response(
    connection: asyncpg.Connection, user_id: str, key: str, status: int, body: Any
) -> None:
    await connection.execute(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2",
        user_id,
        key,
        status,
        body,
    )
