"""Flight providers, each one module behind `FlightProvider`, chosen by `FLIGHTS_PROVIDER` (docs/flights.md)."""

from __future__ import annotations

from tripsage_flights.config import FlightsSettings
from tripsage_flights.providers.base import FlightProvider
from tripsage_http.settings import build_selected

# The registry: name -> "module:Class" with `from_settings(settings)`; a module is imported only when selected.
PROVIDERS = {
    "amadeus": "tripsage_flights.providers.amadeus:AmadeusFlights",
    "duffel": "tripsage_flights.providers.duffel:DuffelFlights",
}


def build_provider(settings: FlightsSettings) -> FlightProvider:
    provider: FlightProvider = build_selected(PROVIDERS, settings)
    return provider
