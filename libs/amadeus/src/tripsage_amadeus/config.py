"""Amadeus's own settings: credentials and environment, required only when a service selects Amadeus."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from tripsage_core.settings import ConfigurationError
from tripsage_http.settings import ProviderServiceSettings

PROVIDER_NAME = "amadeus"
# The sandbox accepts any non-empty key; these names make a sandbox client obvious in any log or trace.
SANDBOX_CLIENT_ID = "tripsage-sandbox-client"
SANDBOX_CLIENT_SECRET = "tripsage-sandbox-secret"  # noqa: S105


class AmadeusServiceSettings(ProviderServiceSettings):
    """A provider service's settings plus Amadeus's; a subclass sets the env prefix (e.g. `FLIGHTS_`)."""

    provider: str = Field(PROVIDER_NAME, description="Which registered provider module serves the domain")
    amadeus_client_id: SecretStr | None = None
    amadeus_client_secret: SecretStr | None = None
    amadeus_hostname: Literal["test", "production"] | None = Field(
        None, description="Amadeus environment; default production when ENVIRONMENT=production, else test"
    )
    # Both Amadeus domains (flights, stays) cache a search for as long.
    search_ttl_s: int = Field(300, ge=1, le=3600, description="How long a search answer stays fresh")

    @property
    def resolved_hostname(self) -> Literal["test", "production"]:
        if self.amadeus_hostname is not None:
            return self.amadeus_hostname
        return "production" if self.environment == "production" else "test"

    @model_validator(mode="after")
    def _require_credentials_when_selected(self) -> Self:
        if self.provider != PROVIDER_NAME:
            return self
        missing = [f for f in ("amadeus_client_id", "amadeus_client_secret") if getattr(self, f) is None]
        if not missing:
            return self
        if self.is_development and self.provider_base_url:
            object.__setattr__(self, "amadeus_client_id", self.amadeus_client_id or SecretStr(SANDBOX_CLIENT_ID))
            object.__setattr__(
                self, "amadeus_client_secret", self.amadeus_client_secret or SecretStr(SANDBOX_CLIENT_SECRET)
            )
            return self
        names = " and ".join(self.env_name(f) for f in missing)
        hint = "" if not self.is_development else f", or set {self.env_name('provider_base_url')} to the sandbox"
        raise ConfigurationError(f"Amadeus credentials are missing: set {names}{hint}.")
