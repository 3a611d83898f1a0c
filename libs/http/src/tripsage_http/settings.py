"""Settings of a service that calls a third-party provider: which one (`<P>_PROVIDER`) and how the layer calls it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from tripsage_core.settings import ConfigurationError, ServiceSettings
from tripsage_http.provider import CallPolicy


class ProviderServiceSettings(ServiceSettings):
    """Vendor-neutral: a subclass sets the env prefix, the default `provider`, and adds the selected vendor's
    credentials (a vendor's own validator requires them only when `provider` names it)."""

    # The service's registry module; its `PROVIDERS` ("name" -> "module:Class") are the choices `provider` may name.
    # None only for settings that build no provider themselves (a vendor library's own tests).
    registry: ClassVar[str | None] = None

    provider: str = Field(description="Which registered provider module serves the domain")
    provider_base_url: str | None = Field(None, description="Point the provider client here instead (the sandbox)")
    provider_timeout_s: float = Field(8.0, gt=0, le=60, description="Budget of one provider call, retries included")
    provider_attempt_timeout_s: float = Field(
        4.0, gt=0, le=60, description="Longest one attempt may take; a hung attempt is retried while budget remains"
    )
    provider_attempts: int = Field(3, ge=1, le=10)
    provider_concurrency: int = Field(8, ge=1, le=128, description="Threads running SDK calls at once")
    breaker_threshold: int = Field(5, ge=1, le=100, description="Consecutive failures that open the circuit")
    breaker_reset_s: float = Field(15.0, gt=0, le=600, description="How long the circuit stays open before a probe")

    def call_policy(self) -> CallPolicy:
        return CallPolicy(
            budget_s=self.provider_timeout_s,
            attempt_timeout_s=self.provider_attempt_timeout_s,
            attempts=self.provider_attempts,
            breaker_threshold=self.breaker_threshold,
            breaker_reset_s=self.breaker_reset_s,
        )

    def build_provider(self) -> Any:
        """`from_settings(settings)` of the class the registry names for `provider` ("module:Class"), importing its
        module only now, so an unselected vendor's SDK is never loaded."""
        module, _, name = self._registered()[self.provider].partition(":")
        return getattr(importlib.import_module(module), name).from_settings(self)

    def _registered(self) -> Mapping[str, str]:
        if self.registry is None:
            raise ConfigurationError(f"{type(self).__name__} names no provider registry")
        # Imported now, not at module load: the registry's modules import the service's settings.
        known: Mapping[str, str] = importlib.import_module(self.registry).PROVIDERS
        return known

    @model_validator(mode="after")
    def _known_provider(self) -> Self:
        if self.registry is None:
            return self
        known = self._registered()
        if self.provider not in known:
            names = ", ".join(sorted(known))
            raise ConfigurationError(f"{self.env_name('provider')} is {self.provider!r}; known providers: {names}.")
        return self

    @model_validator(mode="after")
    def _check_base_url(self) -> Self:
        if self.provider_base_url:
            parts = urlsplit(self.provider_base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigurationError(
                    f"{self.env_name('provider_base_url')} must be an http(s) URL, got {self.provider_base_url!r}"
                )
        return self
