"""Public request and response models of the time service."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ZoneInstant(BaseModel):
    """One instant seen in one zone."""

    timezone: str = Field(examples=["Asia/Tokyo"])
    local_time: dt.datetime = Field(description="Local wall time with its UTC offset")
    utc_time: dt.datetime
    utc_offset: str = Field(examples=["+09:00"])
    utc_offset_seconds: int
    dst: bool = Field(description="Daylight saving time is in force")
    abbreviation: str | None = Field(examples=["JST"])


class TimezoneAtLocation(ZoneInstant):
    lat: float
    lon: float


class ConvertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    datetime: dt.datetime = Field(description="ISO 8601; a local time without offset is read in `from_tz`")
    from_tz: str = Field(min_length=1, max_length=64, examples=["Europe/Berlin"])
    to_tz: str = Field(min_length=1, max_length=64, examples=["America/New_York"])
    fold: Literal[0, 1] | None = Field(
        None, description="For a local time that occurs twice (DST ends): 0 = the earlier, 1 = the later"
    )


class Conversion(BaseModel):
    source: ZoneInstant
    target: ZoneInstant


class ConvertResponse(BaseModel):
    status: Literal["ok", "ambiguous"]
    result: Conversion | None = Field(description="Set when the local time names exactly one instant")
    candidates: list[Conversion] = Field(
        default_factory=list, description="When ambiguous: the earlier then the later instant; resend with `fold`"
    )


class ArrivalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    departure_local: dt.datetime = Field(description="Local departure time, without offset")
    departure_tz: str = Field(min_length=1, max_length=64, examples=["America/New_York"])
    duration_minutes: int = Field(ge=0, le=7 * 24 * 60)
    arrival_tz: str = Field(min_length=1, max_length=64, examples=["Europe/London"])
    fold: Literal[0, 1] | None = None


class Arrival(BaseModel):
    departure: ZoneInstant
    arrival: ZoneInstant
    day_offset: int = Field(description="Arrival local date minus departure local date, in days (+1, -1, …)")


class ArrivalResponse(BaseModel):
    status: Literal["ok", "ambiguous"]
    result: Arrival | None
    candidates: list[Arrival] = Field(default_factory=list)
