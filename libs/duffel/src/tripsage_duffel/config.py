"""Duffel's own settings: the access token, required only when a service selects Duffel."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from tripsage_core.settings import ConfigurationError
from tripsage_http.settings import ProviderServiceSettings

PROVIDER_NAME = "duffel"
API_URL = "https://api.duffel.com"
# The sandbox accepts any bearer token; this one makes a sandbox client obvious in any log or trace.
SANDBOX_ACCESS_TOKEN = "duffel_test_tripsage_sandbox"  # noqa: S105


class DuffelServiceSettings(ProviderServiceSettings):
    """A provider service's settings plus Duffel's; a subclass sets the env prefix (e.g. `FLIGHTS_`).

    Mixed in beside other vendors' settings: it adds fields only, so the subclass's `provider` default stands.
    """

    duffel_access_token: SecretStr | None = Field(
        None, description="Duffel access token (duffel_test_… in test mode, duffel_live_… in live mode)"
    )

    @property
    def duffel_base_url(self) -> str:
        return self.provider_base_url or API_URL

    @model_validator(mode="after")
    def _require_token_when_selected(self) -> Self:
        if self.provider != PROVIDER_NAME or self.duffel_access_token is not None:
            return self
        if self.is_development and self.provider_base_url:
            object.__setattr__(self, "duffel_access_token", SecretStr(SANDBOX_ACCESS_TOKEN))
            return self
        hint = "" if not self.is_development else f", or set {self.env_name('provider_base_url')} to the sandbox"
        raise ConfigurationError(f"Duffel credentials are missing: set {self.env_name('duffel_access_token')}{hint}.")
