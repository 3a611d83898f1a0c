"""Stays service settings (env prefix `STAYS_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusServiceSettings
from tripsage_duffel import DuffelServiceSettings


class StaysSettings(AmadeusServiceSettings, DuffelServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STAYS_")
    registry: ClassVar[str] = "tripsage_stays.providers"

    port: int = 8002
    hotels_per_search: int = Field(20, ge=1, le=100, description="Nearest hotels whose offers are fetched per search")
    max_days_ahead: int = Field(365, ge=1, le=400, description="Provider's booking window for check-in")
    max_nights: int = Field(30, ge=1, le=99, description="Longest stay one search may ask for")
