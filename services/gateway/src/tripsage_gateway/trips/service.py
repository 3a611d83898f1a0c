"""The trips domain: ownership, pagination, idempotent creation, items with their save-time snapshot."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from tripsage_core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from tripsage_core.telemetry import Telemetry
from tripsage_db.errors import unavailable_when_unreachable
from tripsage_db.pool import LazyPool
from tripsage_gateway.trips import repository
from tripsage_gateway.trips.schemas import (
    Item,
    ItemCreate,
    ItemList,
    Money,
    Trip,
    TripCreate,
    TripPage,
    TripUpdate,
    check_dates,
)

ACQUIRE_TIMEOUT_S = 2.0


class TripNotFound(NotFound):
    code = "trip-not-found"
    default_detail = "No such trip."


class ItemNotFound(NotFound):
    code = "trip-item-not-found"
    default_detail = "No such item on this trip."


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    default_detail = "This Idempotency-Key was used with a different request body."
    default_errors = (FieldProblem(field="Idempotency-Key", location="header", message="reused with a different body"),)


def _money(amount: Any, currency: str | None) -> Money | None:
    return Money(amount=amount, currency=currency) if amount is not None and currency else None


# A row's columns are its model's fields, but for the money: two columns, one field (the model ignores the columns).
def _trip(row: asyncpg.Record) -> Trip:
    return Trip.model_validate({**row, "budget": _money(row["budget_amount"], row["budget_currency"])})


def _item(row: asyncpg.Record) -> Item:
    return Item.model_validate({**row, "price": _money(row["price_amount"], row["price_currency"])})


def encode_cursor(trip: Trip) -> str:
    return base64.urlsafe_b64encode(f"{trip.created_at.isoformat()}|{trip.id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, UUID]:
    try:
        created_at, trip_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return dt.datetime.fromisoformat(created_at), UUID(trip_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed.for_field("cursor", "not a cursor this API returned", location="query") from None


def _request_hash(body: TripCreate) -> str:
    return hashlib.sha256(orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


class TripService:
    def __init__(self, db: LazyPool, telemetry: Telemetry) -> None:
        self._db = db
        self._telemetry = telemetry

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        # Postgres down must answer 503 quickly; only trips need it, every other route keeps working.
        async with unavailable_when_unreachable(), self._db.acquire(timeout=ACQUIRE_TIMEOUT_S) as connection:
            yield connection

    async def create(self, *, user_id: str, body: TripCreate, idempotency_key: str | None) -> tuple[Trip, bool]:
        """The new trip, and whether it is a replay of an earlier request with the same Idempotency-Key."""
        fields = body.model_dump(mode="python")
        fields["destination"] = body.destination.model_dump(mode="json")
        async with self._connection() as connection, connection.transaction():
            if idempotency_key is not None:
                earlier = await repository.claim_idempotency_key(
                    connection, user_id, idempotency_key, _request_hash(body)
                )
                if earlier is not None:
                    if earlier["request_hash"] != _request_hash(body):
                        raise IdempotencyKeyReused()
                    return Trip.model_validate(earlier["response_body"]), True
            trip = _trip(await repository.insert_trip(connection, user_id, fields))
            if idempotency_key is not None:
                await repository.record_idempotent_response(
                    connection, user_id, idempotency_key, 201, trip.model_dump(mode="json")
                )
        self._telemetry.increment("tripsage.trips.created")
        return trip, False

    async def get(self, *, user_id: str, trip_id: UUID) -> Trip:
        async with self._connection() as connection:
            row = await repository.get_trip(connection, user_id, trip_id)
        if row is None:
            raise TripNotFound()
        return _trip(row)

    async def list(self, *, user_id: str, limit: int, cursor: str | None) -> TripPage:
        before = decode_cursor(cursor) if cursor else None
        async with self._connection() as connection:
            rows = await repository.list_trips(connection, user_id, limit=limit + 1, before=before)
        trips = [_trip(row) for row in rows[:limit]]
        return TripPage(items=trips, next_cursor=encode_cursor(trips[-1]) if len(rows) > limit else None)

    async def update(self, *, user_id: str, trip_id: UUID, body: TripUpdate) -> Trip:
        changes = body.model_dump(mode="python", exclude_unset=True)
        if "destination" in changes and body.destination is not None:
            changes["destination"] = body.destination.model_dump(mode="json")
        for required in ("name", "destination", "start_date", "end_date", "travelers"):
            if required in changes and changes[required] is None:
                raise ValidationFailed.for_field(required, "cannot be removed")
        async with self._connection() as connection, connection.transaction():
            current = await repository.get_trip(connection, user_id, trip_id)
            if current is None:
                raise TripNotFound()
            start = changes.get("start_date", current["start_date"])
            end = changes.get("end_date", current["end_date"])
            try:
                check_dates(start, end)
            except ValueError as exc:
                raise ValidationFailed.for_field("end_date", str(exc)) from None
            row = await repository.update_trip(connection, user_id, trip_id, changes)
        assert row is not None
        return _trip(row)

    async def delete(self, *, user_id: str, trip_id: UUID) -> None:
        async with self._connection() as connection:
            if not await repository.delete_trip(connection, user_id, trip_id):
                raise TripNotFound()

    async def add_item(self, *, user_id: str, trip_id: UUID, body: ItemCreate) -> Item:
        async with self._connection() as connection, connection.transaction():
            if await repository.get_trip(connection, user_id, trip_id) is None:
                raise TripNotFound()
            item = _item(await repository.insert_item(connection, user_id, trip_id, body.model_dump(mode="python")))
        self._telemetry.increment("tripsage.trip_items.saved", tags={"kind": body.kind})
        return item

    async def items(self, *, user_id: str, trip_id: UUID) -> ItemList:
        async with self._connection() as connection:
            if await repository.get_trip(connection, user_id, trip_id) is None:
                raise TripNotFound()
            rows = await repository.list_items(connection, user_id, trip_id)
        return ItemList(items=[_item(row) for row in rows])

    async def item(self, *, user_id: str, trip_id: UUID, item_id: UUID) -> Item:
        async with self._connection() as connection:
            row = await repository.get_item(connection, user_id, trip_id, item_id)
        if row is None:
            raise ItemNotFound()
        return _item(row)

    async def delete_item(self, *, user_id: str, trip_id: UUID, item_id: UUID) -> None:
        async with self._connection() as connection:
            if not await repository.delete_item(connection, user_id, trip_id, item_id):
                raise ItemNotFound()
