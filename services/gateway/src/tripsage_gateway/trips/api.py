"""Trip routes: the gateway's own domain (everything else under /v1 is forwarded)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from tripsage_core.app import state_part
from tripsage_gateway.ratelimit import LimitedUser
from tripsage_gateway.trips.brief import BriefBuilder, TripBrief
from tripsage_gateway.trips.schemas import Item, ItemCreate, ItemList, Trip, TripCreate, TripPage, TripUpdate
from tripsage_gateway.trips.service import TripService

Trips = Annotated[TripService, Depends(state_part("trips"))]
Briefs = Annotated[BriefBuilder, Depends(state_part("briefs"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=255, description="Retries with the same key create one trip"
    ),
]
_PROBLEMS = {
    401: {"description": "Missing or invalid bearer token"},
    404: {"description": "No such trip for this user"},
    422: {"description": "Invalid input; the problem names the field"},
    429: {"description": "Rate limit exceeded; see Retry-After and RateLimit-* headers"},
    503: {"description": "The database is unavailable"},
}

router = APIRouter(prefix="/v1/trips", tags=["trips"], responses=_PROBLEMS)  # type: ignore[arg-type]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a trip (idempotent with Idempotency-Key)",
    responses={409: {"description": "Idempotency-Key reused with a different body"}},
)
async def create_trip(
    body: TripCreate, user: LimitedUser, trips: Trips, response: Response, idempotency_key: IdempotencyKey = None
) -> Trip:
    trip, replayed = await trips.create(user_id=user.user_id, body=body, idempotency_key=idempotency_key)
    response.headers["Location"] = f"/v1/trips/{trip.id}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return trip


@router.get("", summary="The caller's trips, newest first")
async def list_trips(
    user: LimitedUser,
    trips: Trips,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> TripPage:
    return await trips.list(user_id=user.user_id, limit=limit, cursor=cursor)


@router.get("/{trip_id}", summary="One trip")
async def get_trip(trip_id: UUID, user: LimitedUser, trips: Trips) -> Trip:
    return await trips.get(user_id=user.user_id, trip_id=trip_id)


@router.patch("/{trip_id}", summary="Change a trip")
async def update_trip(trip_id: UUID, body: TripUpdate, user: LimitedUser, trips: Trips) -> Trip:
    return await trips.update(user_id=user.user_id, trip_id=trip_id, body=body)


@router.delete("/{trip_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a trip and its items")
async def delete_trip(trip_id: UUID, user: LimitedUser, trips: Trips) -> None:
    await trips.delete(user_id=user.user_id, trip_id=trip_id)


@router.post(
    "/{trip_id}/items",
    status_code=status.HTTP_201_CREATED,
    summary="Save a flight offer, stay offer or place, with its price and key facts now",
)
async def add_item(trip_id: UUID, body: ItemCreate, user: LimitedUser, trips: Trips) -> Item:
    return await trips.add_item(user_id=user.user_id, trip_id=trip_id, body=body)


@router.get("/{trip_id}/items", summary="What is saved to a trip")
async def list_items(trip_id: UUID, user: LimitedUser, trips: Trips) -> ItemList:
    return await trips.items(user_id=user.user_id, trip_id=trip_id)


@router.get("/{trip_id}/items/{item_id}", summary="One saved item")
async def get_item(trip_id: UUID, item_id: UUID, user: LimitedUser, trips: Trips) -> Item:
    return await trips.item(user_id=user.user_id, trip_id=trip_id, item_id=item_id)


@router.delete("/{trip_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a saved item")
async def delete_item(trip_id: UUID, item_id: UUID, user: LimitedUser, trips: Trips) -> None:
    await trips.delete_item(user_id=user.user_id, trip_id=trip_id, item_id=item_id)


@router.get(
    "/{trip_id}/brief", summary="Everything about a trip in one call: place, local time, weather, stays, flights"
)
async def brief(trip_id: UUID, request: Request, user: LimitedUser, trips: Trips, briefs: Briefs) -> TripBrief:
    trip = await trips.get(user_id=user.user_id, trip_id=trip_id)
    return await briefs.build(trip, incoming=request.headers, request_id=request.state.request_id)
