"""Shared by the services that call Amadeus: the SDK client from settings and its calls through the provider layer.

    settings = FlightsSettings()                      # an AmadeusServiceSettings subclass
    caller = AmadeusCaller.from_settings(settings, name="flights")
    result = await caller.sdk("flight_offers", lambda c: c.shopping.flight_offers_search.get(**params))

The SDK is synchronous (urllib): each call runs in the caller's bounded thread pool under the shared provider layer
(tripsage_http.provider): a time budget, retries for 429 (honouring Retry-After), 5xx, timeouts and dropped
connections, and a circuit breaker. SDK errors become the shared provider errors of tripsage_core.errors.
"""

from tripsage_amadeus.caller import AmadeusAdapter, AmadeusCaller
from tripsage_amadeus.client import build_client
from tripsage_amadeus.config import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, AmadeusServiceSettings

__all__ = [
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "AmadeusAdapter",
    "AmadeusCaller",
    "AmadeusServiceSettings",
    "build_client",
]
