"""Stay providers: each one module behind `StayProvider`; `build_provider` picks one from settings."""

from __future__ import annotations

from tripsage_stays.config import StaysSettings
from tripsage_stays.providers.base import StayProvider


def build_provider(settings: StaysSettings) -> StayProvider:
    """The provider the settings name; a new provider is one module here and one branch."""
    if settings.provider == "amadeus":
        from tripsage_stays.providers.amadeus import AmadeusStays

        return AmadeusStays.from_settings(settings)
    raise ValueError(f"unknown stays provider {settings.provider!r}")
