"""Weather service settings (env prefix `WEATHER_`)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tripsage_core.settings import ConfigurationError, ServiceSettings, is_placeholder

OWM_BASE_URL = "https://api.openweathermap.org"
# Any non-empty key works against the sandbox; the name says where it belongs if it ever leaks.
SANDBOX_OWM_API_KEY = "sandbox-owm-key"


class WeatherSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WEATHER_")

    port: int = 8004

    provider_base_url: str | None = Field(
        None, description="OpenWeatherMap base URL; unset means the real API (the dev stack points it at the sandbox)"
    )
    owm_api_key: SecretStr | None = Field(None, description="OpenWeatherMap API key, sent as `appid`")
    owm_plan: Literal["free", "onecall"] = Field(
        "free", description="free: 2.5 current + 5-day/3-hour forecast; onecall: adds One Call 3.0 (8 days, alerts)"
    )
    provider_timeout_s: float = Field(1.5, gt=0, le=30, description="Budget of one provider call, retries included")
    provider_connect_timeout_s: float = Field(0.5, gt=0, le=10)
    provider_retry_attempts: int = Field(3, ge=1, le=10)
    breaker_threshold: int = Field(5, ge=1, le=100, description="Consecutive failures that open the circuit")
    breaker_reset_s: float = Field(5.0, gt=0, le=300, description="Open circuit lets a probe through after this")

    ttl_current_s: int = Field(600, ge=1, le=600, description="Current conditions stay fresh (OWM updates ~10 min)")
    ttl_forecast_s: int = Field(3600, ge=1, le=10_800, description="Forecasts stay fresh (OWM recomputes ~3 h)")
    ttl_alerts_s: int = Field(600, ge=1, le=3600, description="One Call answers (alerts, 8-day daily) stay fresh")
    trip_max_days: int = Field(30, ge=1, le=366, description="Longest trip, in days, that /trip accepts")
    trip_max_lead_days: int = Field(366, ge=1, le=3660, description="How far ahead a trip may start")

    @property
    def owm_base_url(self) -> str:
        return self.provider_base_url or OWM_BASE_URL

    @model_validator(mode="after")
    def _require_owm_key(self) -> Self:
        key = self.owm_api_key.get_secret_value() if self.owm_api_key is not None else ""
        if not is_placeholder(key):
            return self
        if not self.is_development:
            raise ConfigurationError(
                f"WEATHER_OWM_API_KEY is {'a placeholder' if key else 'not set'}; "
                f"the weather service refuses to start in {self.environment} without a real OpenWeatherMap key"
            )
        if self.provider_base_url is None:
            raise ConfigurationError(
                "WEATHER_OWM_API_KEY is not set and WEATHER_PROVIDER_BASE_URL does not point at a sandbox; "
                "set one of them"
            )
        object.__setattr__(self, "owm_api_key", SecretStr(SANDBOX_OWM_API_KEY))
        return self

    @property
    def owm_key(self) -> str:
        assert self.owm_api_key is not None  # the validator guarantees a key
        return self.owm_api_key.get_secret_value()
