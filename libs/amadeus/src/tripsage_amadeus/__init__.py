"""Shared by the services that call Amadeus: the SDK client from settings, bounded calls, and error mapping.

    settings = FlightsSettings()                      # an AmadeusServiceSettings subclass
    caller = AmadeusCaller(build_client(settings), name="flights", policy=CallPolicy.from_settings(settings))
    result = await caller.call("flight_offers", lambda c: c.shopping.flight_offers_search.get(**params))

The SDK is synchronous (urllib): each call runs in a bounded thread pool within a time budget, through a circuit
breaker, with retries for 429 (honouring Retry-After), 5xx, timeouts and dropped connections. SDK errors become
TripSage errors: provider validation → 422, 401/403 → 502, 404 → 404, exhausted retries → 503/504.
"""

from tripsage_amadeus.caller import AmadeusCaller, CallPolicy
from tripsage_amadeus.client import build_client
from tripsage_amadeus.config import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, AmadeusServiceSettings
from tripsage_amadeus.errors import (
    ProviderMisconfigured,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    is_transient,
)

__all__ = [
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "AmadeusCaller",
    "AmadeusServiceSettings",
    "CallPolicy",
    "ProviderMisconfigured",
    "ProviderNotFound",
    "ProviderRateLimited",
    "ProviderRejected",
    "ProviderTimeout",
    "ProviderUnavailable",
    "build_client",
    "is_transient",
]
