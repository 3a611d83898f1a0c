"""Stays routes: parse, call the domain, mark where the answer came from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from tripsage_cache.answers import Refresh, mark_answer
from tripsage_cache.provider_backed import domain_of
from tripsage_core.auth import CurrentUser
from tripsage_core.errors import ValidationFailed
from tripsage_stays.schemas import OfferCheckResponse, SortKey, StayQuery, StaySearchResponse
from tripsage_stays.service import StaysService

Stays = Annotated[StaysService, Depends(domain_of)]

router = APIRouter(prefix="/v1/stays", tags=["stays"])


def _amenities(values: list[str] | None) -> tuple[str, ...]:
    codes = sorted({v.strip().upper() for value in values or [] for v in value.split(",") if v.strip()})
    for code in codes:
        if len(code) > 40 or not code.replace("_", "").isalnum():
            raise ValidationFailed.for_field("amenities", f"'{code[:40]}' is not an amenity code", location="query")
    return tuple(codes)


@router.get("/search", summary="Hotels with offers for a stay (cached 5 min; stale copies stand in during outages)")
async def search(
    request: Request,
    response: Response,
    stays: Stays,
    _user: CurrentUser,
    check_in: dt.date,
    check_out: dt.date,
    city_code: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", examples=["PAR"])] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float, Query(gt=0, le=300)] = 5.0,
    adults: Annotated[int, Query(ge=1, le=9)] = 1,
    rooms: Annotated[int, Query(ge=1, le=9)] = 1,
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
    min_rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    max_price: Annotated[float | None, Query(gt=0, le=1_000_000)] = None,
    amenities: Annotated[
        list[str] | None, Query(max_length=20, description="Amenity codes (e.g. WIFI), repeated or comma-separated")
    ] = None,
    sort: SortKey = "price",
    refresh: Refresh = False,
) -> StaySearchResponse:
    query = StayQuery(
        city_code=city_code.upper() if city_code else None,
        lat=round(lat, 4) if lat is not None else None,
        lon=round(lon, 4) if lon is not None else None,
        radius_km=radius_km,
        check_in=check_in,
        check_out=check_out,
        adults=adults,
        rooms=rooms,
        currency=currency.upper() if currency else None,
        min_rating=min_rating,
        max_price=max_price,
        amenities=_amenities(amenities),
        sort=sort,
    )
    result = await stays.search(query, refresh=refresh)
    mark_answer(request, response, result.meta.cache, service="stays")
    return result


@router.get(
    "/offers/{offer_id}",
    summary="Re-check an offer's price and availability (never cached)",
    responses={404: {"description": "The offer is unknown or no longer offered; search again"}},
)
async def check_offer(
    offer_id: Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_]+$")],
    response: Response,
    stays: Stays,
    _user: CurrentUser,
) -> OfferCheckResponse:
    result = await stays.check_offer(offer_id)
    response.headers["X-Cache"] = result.meta.cache
    return result
