"""Flight providers: each one module behind `FlightProvider`; `build_provider` picks one from settings."""

from __future__ import annotations

from tripsage_flights.config import FlightsSettings
from tripsage_flights.providers.base import FlightProvider


def build_provider(settings: FlightsSettings) -> FlightProvider:
    """The provider the settings name; a new provider is one module here and one branch."""
    if settings.provider == "amadeus":
        from tripsage_flights.providers.amadeus import AmadeusFlights

        return AmadeusFlights.from_settings(settings)
    raise ValueError(f"unknown flights provider {settings.provider!r}")
