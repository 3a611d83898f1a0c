"""Public request and response models of the stays service (provider-neutral)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from tripsage_cache.answers import ResponseMeta

SortKey = Literal["price", "rating", "distance"]


class StayQuery(BaseModel):
    """A validated, normalised search: equal searches are equal objects, whatever the order or case they came in."""

    model_config = ConfigDict(frozen=True)

    city_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 5.0
    check_in: dt.date
    check_out: dt.date
    adults: int = 1
    rooms: int = 1
    currency: str | None = None
    min_rating: int | None = None
    max_price: float | None = None
    amenities: tuple[str, ...] = ()
    sort: SortKey = "price"

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def digest(self) -> str:
        canonical = orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(canonical).hexdigest()[:24]


class Cancellation(BaseModel):
    refundable: bool
    deadline: dt.datetime | None = Field(description="Free cancellation until then (hotel local time)")
    description: str | None = None


class StayPrice(BaseModel):
    total: float
    base: float | None
    per_night: float
    currency: str


class HotelOffer(BaseModel):
    id: str = Field(description="Pass to GET /v1/stays/offers/{offer_id} to re-check price and availability")
    room_type: str | None = Field(examples=["STANDARD_ROOM"])
    room_description: str | None = None
    beds: int | None = None
    bed_type: str | None = None
    board: str | None = Field(None, description="ROOM_ONLY, BREAKFAST, HALF_BOARD, … when the provider says")
    check_in: dt.date
    check_out: dt.date
    nights: int
    adults: int | None
    price: StayPrice
    cancellation: Cancellation


class HotelLocation(BaseModel):
    lat: float | None
    lon: float | None
    city_code: str | None = None
    country_code: str | None = None


class Hotel(BaseModel):
    id: str
    name: str
    chain_code: str | None = None
    location: HotelLocation
    distance_km: float | None = Field(description="From the city centre or the searched point")
    rating: int | None = Field(description="Stars, 1-5")
    amenities: list[str] = Field(default_factory=list)
    offers: list[HotelOffer]


class StaySearchResponse(BaseModel):
    hotels: list[Hotel]
    count: int
    meta: ResponseMeta


class OfferCheckResponse(BaseModel):
    available: bool
    hotel: Hotel
    offer: HotelOffer
    meta: ResponseMeta
