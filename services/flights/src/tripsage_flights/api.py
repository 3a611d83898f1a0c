"""Flights routes: parse, call the domain, mark where the answer came from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from tripsage_cache.answers import Refresh, ResponseMeta, mark_answer
from tripsage_cache.provider_backed import domain_of
from tripsage_core.auth import CurrentUser
from tripsage_core.errors import ValidationFailed
from tripsage_flights.schemas import (
    Cabin,
    FlightQuery,
    FlightSearchResponse,
    LocationsResponse,
    PriceRequest,
    PriceResponse,
    SortKey,
)
from tripsage_flights.service import FlightsService

Flights = Annotated[FlightsService, Depends(domain_of)]
Code = Annotated[str, Query(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$", examples=["JFK"])]
Airlines = Annotated[
    list[str] | None, Query(max_length=20, description="IATA airline codes, repeated or comma-separated")
]

router = APIRouter(prefix="/v1/flights", tags=["flights"])


def _airline_codes(values: list[str] | None, field: str) -> tuple[str, ...]:
    codes = sorted({code.strip().upper() for value in values or [] for code in value.split(",") if code.strip()})
    for code in codes:
        if len(code) != 2 or not code.isalnum():
            raise ValidationFailed.for_field(
                field, f"'{code[:10]}' is not a 2-character IATA airline code", location="query"
            )
    return tuple(codes)


def _mark(request: Request, response: Response, meta: ResponseMeta) -> None:
    mark_answer(request, response, meta.cache, service="flights")


class SearchParams(BaseModel):
    """The search's query parameters, as sent; `query()` normalises them into the cache's `FlightQuery`."""

    origin: Code
    destination: Code
    departure_date: dt.date
    return_date: dt.date | None = None
    adults: Annotated[int, Query(ge=1, le=9)] = 1
    children: Annotated[int, Query(ge=0, le=8)] = 0
    infants: Annotated[int, Query(ge=0, le=9)] = 0
    cabin: Annotated[Cabin | None, Query()] = None
    nonstop: bool = False
    max_price: Annotated[int | None, Query(ge=1, le=1_000_000)] = None
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None
    max_results: Annotated[int, Query(ge=1, le=250)] = 20
    sort: SortKey = "price"
    airlines: Airlines = None
    exclude_airlines: Airlines = None
    refresh: Refresh = False

    def query(self) -> FlightQuery:
        return FlightQuery.model_validate(
            {
                **self.model_dump(exclude={"refresh"}),
                "origin": self.origin.upper(),
                "destination": self.destination.upper(),
                "currency": self.currency.upper() if self.currency else None,
                "airlines": _airline_codes(self.airlines, "airlines"),
                "exclude_airlines": _airline_codes(self.exclude_airlines, "exclude_airlines"),
            }
        )


@router.get("/search", summary="Search flight offers (cached 5 min; stale copies stand in during provider outages)")
async def search(
    request: Request,
    response: Response,
    flights: Flights,
    _user: CurrentUser,
    params: Annotated[SearchParams, Query()],
) -> FlightSearchResponse:
    result = await flights.search(params.query(), refresh=params.refresh)
    _mark(request, response, result.meta)
    return result


@router.post(
    "/price",
    summary="Confirm an offer's current price and availability (never cached)",
    responses={404: {"description": "The offer is unknown or has expired; search again"}},
)
async def price(body: PriceRequest, response: Response, flights: Flights, _user: CurrentUser) -> PriceResponse:
    result = await flights.price(body.offer_id)
    response.headers["X-Cache"] = result.meta.cache
    return result


@router.get(
    "/locations",
    summary="Airport and city autocomplete (cached 24 h); with lat/lon, a place without an airport gets the airports"
    " near it",
    responses={404: {"description": "No airport within FLIGHTS_AIRPORT_REACH_KM of lat/lon (no-airport-in-reach)"}},
)
async def locations(
    request: Request,
    response: Response,
    flights: Flights,
    _user: CurrentUser,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="Code or name; 'Kyoto, Japan' style hints are cut",
            examples=["LON"],
        ),
    ],
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Where the place is, if known")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> LocationsResponse:
    if (lat is None) != (lon is None):
        raise ValidationFailed.for_field("lon" if lon is None else "lat", "lat and lon go together", location="query")
    result = await flights.locations(q, near=(lat, lon) if lat is not None and lon is not None else None)
    _mark(request, response, result.meta)
    return result
