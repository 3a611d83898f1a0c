"""Time routes: parse, call the domain, return a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tripsage_core.app import state_part
from tripsage_core.auth import CurrentUser
from tripsage_core.query import Latitude, Longitude
from tripsage_time.schemas import (
    ArrivalRequest,
    ArrivalResponse,
    ConvertRequest,
    ConvertResponse,
    TimezoneAtLocation,
    ZoneInstant,
)
from tripsage_time.service import TimeService

Time = Annotated[TimeService, Depends(state_part("time"))]

router = APIRouter(prefix="/v1/time", tags=["time"])


@router.get("/timezone", summary="The time zone at a location, with its current offset")
async def timezone_at(lat: Latitude, lon: Longitude, time: Time, _user: CurrentUser) -> TimezoneAtLocation:
    return time.timezone_at(lat=lat, lon=lon)


@router.get("/now", summary="The current local time in a zone")
async def now(
    tz: Annotated[str, Query(min_length=1, max_length=64, examples=["Europe/Paris"])], time: Time, _user: CurrentUser
) -> ZoneInstant:
    return time.now_in(tz)


@router.post("/convert", summary="Convert a time between zones; a DST-ambiguous local time returns both")
async def convert(body: ConvertRequest, time: Time, _user: CurrentUser) -> ConvertResponse:
    return time.convert(body)


@router.post("/arrival", summary="Local arrival time of a trip leg, with day offset and UTC instants")
async def arrival(body: ArrivalRequest, time: Time, _user: CurrentUser) -> ArrivalResponse:
    return time.arrival(body)
