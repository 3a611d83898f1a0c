"""Settings every Amadeus-backed service shares; credentials are required outside development."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from tripsage_core.settings import ConfigurationError, ServiceSettings

# The sandbox accepts any non-empty key; these names make a sandbox client obvious in any log or trace.
SANDBOX_CLIENT_ID = "tripsage-sandbox-client"
SANDBOX_CLIENT_SECRET = "tripsage-sandbox-secret"  # noqa: S105


class AmadeusServiceSettings(ServiceSettings):
    """Provider settings; a subclass sets the env prefix (e.g. `FLIGHTS_`) and its port."""

    provider: Literal["amadeus"] = Field("amadeus", description="Which provider module serves the domain")
    provider_base_url: str | None = Field(None, description="Point the SDK here instead (the dev sandbox)")
    amadeus_client_id: SecretStr | None = None
    amadeus_client_secret: SecretStr | None = None
    amadeus_hostname: Literal["test", "production"] | None = Field(
        None, description="Amadeus environment; default production when ENVIRONMENT=production, else test"
    )
    provider_timeout_s: float = Field(8.0, gt=0, le=60, description="Budget of one provider call, retries included")
    provider_attempt_timeout_s: float = Field(
        4.0, gt=0, le=60, description="Longest one attempt may take; a hung attempt is retried while budget remains"
    )
    provider_attempts: int = Field(3, ge=1, le=10)
    provider_concurrency: int = Field(8, ge=1, le=128, description="Threads running SDK calls at once")
    breaker_threshold: int = Field(5, ge=1, le=100, description="Consecutive failures that open the circuit")
    breaker_reset_s: float = Field(15.0, gt=0, le=600, description="How long the circuit stays open before a probe")

    @property
    def resolved_hostname(self) -> Literal["test", "production"]:
        if self.amadeus_hostname is not None:
            return self.amadeus_hostname
        return "production" if self.environment == "production" else "test"

    def _env_name(self, field: str) -> str:
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    @model_validator(mode="after")
    def _require_credentials(self) -> Self:
        missing = [f for f in ("amadeus_client_id", "amadeus_client_secret") if getattr(self, f) is None]
        if not missing:
            return self
        if self.is_development and self.provider_base_url:
            object.__setattr__(self, "amadeus_client_id", self.amadeus_client_id or SecretStr(SANDBOX_CLIENT_ID))
            object.__setattr__(
                self, "amadeus_client_secret", self.amadeus_client_secret or SecretStr(SANDBOX_CLIENT_SECRET)
            )
            return self
        names = " and ".join(self._env_name(f) for f in missing)
        hint = "" if not self.is_development else f", or set {self._env_name('provider_base_url')} to the sandbox"
        raise ConfigurationError(f"Amadeus credentials are missing: set {names}{hint}.")

    @model_validator(mode="after")
    def _check_base_url(self) -> Self:
        if self.provider_base_url:
            parts = urlsplit(self.provider_base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigurationError(
                    f"{self._env_name('provider_base_url')} must be an http(s) URL, got {self.provider_base_url!r}"
                )
        return self
