"""Public request and response models of the flights service (provider-neutral)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from tripsage_cache.answers import ResponseMeta

Cabin = Literal["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"]
SortKey = Literal["price", "duration", "departure"]


class FlightQuery(BaseModel):
    """A validated, normalised search: equal searches are equal objects, whatever the order or case they came in."""

    model_config = ConfigDict(frozen=True)

    origin: str
    destination: str
    departure_date: dt.date
    return_date: dt.date | None = None
    adults: int = 1
    children: int = 0
    infants: int = 0
    cabin: Cabin | None = None
    nonstop: bool = False
    max_price: int | None = None
    currency: str | None = None
    max_results: int = 20
    sort: SortKey = "price"
    airlines: tuple[str, ...] = ()
    exclude_airlines: tuple[str, ...] = ()

    def digest(self, *extra: str) -> str:
        """A short stable hash of the query, the cache key and the prefix of its offers' ids."""
        canonical = orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS) + "|".join(extra).encode()
        return hashlib.sha256(canonical).hexdigest()[:24]


class Price(BaseModel):
    total: float = Field(description="What the traveller pays, taxes and fees included")
    base: float | None = Field(description="Fare before taxes")
    currency: str = Field(examples=["EUR"])


class Stop(BaseModel):
    airport: str = Field(examples=["JFK"])
    terminal: str | None = None
    local_time: dt.datetime = Field(description="Local time at the airport, with its UTC offset when known")
    utc_offset: str | None = Field(examples=["-05:00"])


class Segment(BaseModel):
    carrier: str = Field(examples=["BA"])
    carrier_name: str | None = None
    flight_number: str = Field(examples=["BA117"])
    operating_carrier: str | None = None
    departure: Stop
    arrival: Stop
    duration_minutes: int | None
    aircraft: str | None = Field(description="IATA aircraft code", examples=["388"])
    aircraft_name: str | None = None
    cabin: str | None = None
    fare_basis: str | None = None
    booking_class: str | None = None


class Itinerary(BaseModel):
    duration_minutes: int | None
    stops: int
    segments: list[Segment]


class FlightOffer(BaseModel):
    id: str = Field(description="Pass to POST /v1/flights/price to confirm the price (the priceable reference)")
    provider: str
    provider_offer_id: str
    price: Price
    itineraries: list[Itinerary]
    stops: int = Field(description="Stops of the outbound itinerary")
    total_duration_minutes: int | None = Field(description="All itineraries' durations added up")
    cabin: str | None
    fare_basis: str | None
    seats_left: int | None
    last_ticketing_date: dt.date | None
    validating_airlines: list[str] = Field(default_factory=list)
    origin_airport: str = Field(description="Airport the outbound itinerary actually leaves from")
    destination_airport: str = Field(description="Airport the outbound itinerary actually arrives at")
    alternative: bool = Field(False, description="Uses a nearby airport instead of the one asked for")


class FlightSearchResponse(BaseModel):
    offers: list[FlightOffer]
    count: int
    alternatives_searched: list[str] = Field(
        default_factory=list, description="Airport pairs searched besides the one asked for (ORIGIN-DEST)"
    )
    meta: ResponseMeta


class PriceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")


class PriceResponse(BaseModel):
    offer_id: str
    available: bool
    price: Price
    searched_price: Price = Field(description="The price the search quoted")
    price_changed: bool
    last_ticketing_date: dt.date | None
    offer: FlightOffer
    meta: ResponseMeta


class Location(BaseModel):
    iata_code: str
    sub_type: Literal["AIRPORT", "CITY"]
    name: str
    city_name: str | None = None
    city_code: str | None = None
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    time_zone_offset: str | None = None
    distance_km: float | None = Field(None, description="From the place asked about, when it has no airport itself")


class LocationsResponse(BaseModel):
    locations: list[Location]
    meta: ResponseMeta
