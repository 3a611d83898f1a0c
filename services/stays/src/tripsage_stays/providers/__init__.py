"""Stay providers: each one module behind `StayProvider`, registered here by the name `STAYS_PROVIDER` selects.

A new provider is its module plus one entry below; when it needs credentials, its settings class (whose validator
requires them only when it is selected, as `AmadeusServiceSettings` does) joins the bases of the service's settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tripsage_http.settings import build_selected
from tripsage_stays.providers.base import StayProvider

if TYPE_CHECKING:
    from tripsage_stays.config import StaysSettings

# name -> "module:class"; the class has `from_settings(settings)`.
PROVIDERS: dict[str, str] = {
    "amadeus": "tripsage_stays.providers.amadeus:AmadeusStays",
}


def build_provider(settings: StaysSettings) -> StayProvider:
    """The provider the settings select (the settings already refused an unknown name)."""
    provider: StayProvider = build_selected(PROVIDERS, settings)
    return provider
