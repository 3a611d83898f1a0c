"""Flight providers: each one module behind `FlightProvider`, registered here by the name `FLIGHTS_PROVIDER` selects.

A new provider is its module plus one entry below; when it needs credentials, its settings class (whose validator
requires them only when it is selected, as `AmadeusServiceSettings` does) joins the bases of the service's settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tripsage_flights.providers.base import FlightProvider
from tripsage_http.settings import build_selected

if TYPE_CHECKING:
    from tripsage_flights.config import FlightsSettings

# name -> "module:class"; the class has `from_settings(settings)`.
PROVIDERS: dict[str, str] = {
    "amadeus": "tripsage_flights.providers.amadeus:AmadeusFlights",
}


def build_provider(settings: FlightsSettings) -> FlightProvider:
    """The provider the settings select (the settings already refused an unknown name)."""
    provider: FlightProvider = build_selected(PROVIDERS, settings)
    return provider
