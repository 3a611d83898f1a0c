"""Stays service settings (env prefix `STAYS_`)."""

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from tripsage_amadeus import AmadeusServiceSettings


class StaysSettings(AmadeusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STAYS_")

    search_ttl_s: int = Field(300, ge=1, le=3600, description="How long a search answer stays fresh")
    port: int = 8002
    hotels_per_search: int = Field(20, ge=1, le=100, description="Nearest hotels whose offers are fetched per search")
    max_days_ahead: int = Field(365, ge=1, le=400, description="Provider's booking window for check-in")
    max_nights: int = Field(30, ge=1, le=99, description="Longest stay one search may ask for")

    @model_validator(mode="after")
    def _known_provider(self) -> Self:
        from tripsage_stays.providers import PROVIDERS  # imported here: the registry imports this module's types

        self.require_known_provider(frozenset(PROVIDERS))
        return self
