"""Public models of trips and their saved items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tripsage_core.text import StoredJson, StoredText

Iata = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["SFO"], description="IATA airport or city code")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"], description="ISO 4217 code")]
MAX_TRIP_DAYS = 366


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2, examples=["2500.00"])
    currency: Currency


class Destination(BaseModel):
    """Free text as the traveller typed it, optionally resolved to a place."""

    model_config = ConfigDict(extra="forbid")

    text: StoredText = Field(min_length=1, max_length=200, examples=["Tokyo"])
    place_id: StoredText | None = Field(None, max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @model_validator(mode="after")
    def _coordinates_come_in_pairs(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


def _destination(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class _TripFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("destination", mode="before", check_fields=False)
    @classmethod
    def _free_text_destination(cls, value: Any) -> Any:
        return _destination(value)


class TripCreate(_TripFields):
    name: StoredText = Field(min_length=1, max_length=200, examples=["Autumn in Tokyo"])
    destination: Destination = Field(description="Free text, or an object with text and a resolved place")
    origin: Iata | None = None
    start_date: dt.date
    end_date: dt.date
    travelers: int = Field(1, ge=1, le=9)
    budget: Money | None = None
    notes: StoredText | None = Field(None, max_length=4000)

    @field_validator("end_date")
    @classmethod
    def _dates_in_order(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_date")
        if start is not None:
            check_dates(start, end)
        return end


class TripUpdate(_TripFields):
    name: StoredText | None = Field(None, min_length=1, max_length=200)
    destination: Destination | None = None
    origin: Iata | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    travelers: int | None = Field(None, ge=1, le=9)
    budget: Money | None = None
    notes: StoredText | None = Field(None, max_length=4000)


def check_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValueError("end_date must not be before start_date")
    if (end - start).days > MAX_TRIP_DAYS:
        raise ValueError(f"a trip lasts at most {MAX_TRIP_DAYS} days")


class Trip(BaseModel):
    id: UUID
    name: str
    destination: Destination
    origin: str | None
    start_date: dt.date
    end_date: dt.date
    travelers: int
    budget: Money | None
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class TripPage(BaseModel):
    items: list[Trip]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page")


class ItemCreate(BaseModel):
    """An offer or place saved to a trip, with the facts the traveller saw when saving it."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["flight", "stay", "place"]
    ref: StoredText = Field(min_length=1, max_length=500, description="Offer id or place id at the provider")
    title: StoredText = Field(min_length=1, max_length=300, examples=["JFK → LHR, BA 178, 7h 10m"])
    price: Money | None = Field(
        None, validate_default=True, description="The price at save time (required for flights and stays)"
    )
    snapshot: StoredJson = Field(default_factory=dict, description="Key facts at save time, kept as given")

    @field_validator("price")
    @classmethod
    def _offers_carry_a_price(cls, price: Money | None, info: ValidationInfo) -> Money | None:
        if price is None and info.data.get("kind") in ("flight", "stay"):
            raise ValueError("a saved flight or stay needs its price at save time")
        return price


class Item(BaseModel):
    id: UUID
    trip_id: UUID
    kind: str
    ref: str
    title: str
    price: Money | None
    snapshot: dict[str, Any]
    saved_at: dt.datetime


class ItemList(BaseModel):
    items: list[Item]
