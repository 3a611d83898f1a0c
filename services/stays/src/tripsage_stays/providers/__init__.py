"""Stay providers, each one module behind `StayProvider`, chosen by `STAYS_PROVIDER` (docs/stays.md)."""

from __future__ import annotations

from tripsage_http.settings import build_selected
from tripsage_stays.config import StaysSettings
from tripsage_stays.providers.base import StayProvider

# The registry: name -> "module:Class" with `from_settings(settings)`; a module is imported only when selected.
PROVIDERS = {
    "amadeus": "tripsage_stays.providers.amadeus:AmadeusStays",
    "duffel": "tripsage_stays.providers.duffel:DuffelStays",
}


def build_provider(settings: StaysSettings) -> StayProvider:
    provider: StayProvider = build_selected(PROVIDERS, settings)
    return provider
