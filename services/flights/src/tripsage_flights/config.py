"""Flights service settings (env prefix `FLIGHTS_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusServiceSettings
from tripsage_duffel import DuffelServiceSettings


class FlightsSettings(AmadeusServiceSettings, DuffelServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FLIGHTS_")
    registry: ClassVar[str] = "tripsage_flights.providers"

    port: int = 8001
    locations_ttl_s: int = Field(86_400, ge=1, le=604_800, description="How long autocomplete answers stay fresh")
    offer_ttl_s: int = Field(1800, ge=60, le=86_400, description="How long a searched offer can still be priced")
    alternative_radius_km: float = Field(150.0, gt=0, le=500, description="Radius for alternative airports")
    alternative_airports: int = Field(2, ge=1, le=5, description="Alternative airports tried per end")
    airport_reach_km: float = Field(
        150.0, gt=0, le=500, description="How far from a place without an airport its airports are looked for"
    )
    max_days_ahead: int = Field(361, ge=1, le=400, description="Provider's booking window for departures")
