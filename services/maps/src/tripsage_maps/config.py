"""Maps service settings (env prefix `MAPS_`): the Google key, where Google is, and the time budget."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tripsage_core.settings import ConfigurationError, ServiceSettings, is_placeholder

# The sandbox accepts any non-empty key; the SDK itself insists on Google's "AIza" prefix.
SANDBOX_GOOGLE_API_KEY = "AIzaSandbox-tripsage-not-a-google-key"
GOOGLE_BASE_URL = "https://maps.googleapis.com"
ROUTES_BASE_URL = "https://routes.googleapis.com"
PLACES_BASE_URL = "https://places.googleapis.com"


class MapsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAPS_")

    port: int = 8003
    google_api_key: SecretStr | None = None
    provider_base_url: str | None = None
    # Google closed the legacy Directions, Distance Matrix and Places APIs to new projects on 2025-03-01: the
    # current APIs are the default, the legacy ones remain for projects that still have them enabled.
    routing_api: Literal["routes", "legacy"] = Field(
        "routes", description="routes: Routes API v2; legacy: Directions and Distance Matrix APIs"
    )
    places_api: Literal["new", "legacy"] = Field(
        "new", description="new: Places API (New); legacy: Places API. Geocoding uses the Geocoding API either way"
    )
    # Below the gateway's upstream deadline (2 s) so callers get our problem answer, not the gateway's 504.
    provider_timeout_s: float = Field(1.5, gt=0, le=30, description="Budget for one provider call, retries included")
    provider_concurrency: int = Field(16, ge=1, le=128, description="Threads running googlemaps SDK calls")
    provider_queries_per_second: int = Field(50, ge=1, le=1000, description="The SDK's own client-side rate limit")
    breaker_threshold: int = Field(5, ge=1, le=100, description="Consecutive provider failures that open the circuit")
    breaker_reset_s: float = Field(5.0, gt=0, le=300, description="Open-circuit time before one probe call")
    # Fresh lifetimes per content class; docs/maps.md explains the defaults against Google's caching terms.
    ttl_geocode_s: int = Field(24 * 3600, ge=1, le=30 * 24 * 3600, description="Geocode and reverse geocode")
    ttl_place_search_s: int = Field(3600, ge=1, le=24 * 3600, description="Place text search")
    ttl_place_details_s: int = Field(3600, ge=1, le=24 * 3600, description="Place details")
    ttl_route_s: int = Field(15 * 60, ge=1, le=24 * 3600, description="Directions and matrices without departure time")
    ttl_traffic_route_s: int = Field(5 * 60, ge=1, le=3600, description="Directions and matrices with departure time")
    rate_limit_retry_after_s: int = Field(
        2, ge=1, le=60, description="Retry-After sent with 503 when Google says OVER_QUERY_LIMIT without a hint"
    )

    @model_validator(mode="after")
    def _require_google_key(self) -> Self:
        key = self.google_api_key.get_secret_value().strip() if self.google_api_key else ""
        if not key:
            if self.is_development and self.provider_base_url:
                object.__setattr__(self, "google_api_key", SecretStr(SANDBOX_GOOGLE_API_KEY))
                return self
            raise ConfigurationError(
                "MAPS_GOOGLE_API_KEY is required"
                + ("" if self.is_development else f" in {self.environment}")
                + " (in development, set MAPS_PROVIDER_BASE_URL to the sandbox instead)"
            )
        if not key.startswith("AIza") or (not self.is_development and is_placeholder(key)):
            raise ConfigurationError("MAPS_GOOGLE_API_KEY is not a Google Maps API key (they start with 'AIza')")
        return self

    @property
    def google_base_url(self) -> str:
        return (self.provider_base_url or GOOGLE_BASE_URL).rstrip("/")

    @property
    def routes_base_url(self) -> str:
        # The sandbox serves every Google API from one address; Google serves each from its own host.
        return (self.provider_base_url or ROUTES_BASE_URL).rstrip("/")

    @property
    def places_base_url(self) -> str:
        return (self.provider_base_url or PLACES_BASE_URL).rstrip("/")

    def google_key(self) -> str:
        assert self.google_api_key is not None  # the validator guarantees it
        return self.google_api_key.get_secret_value()
