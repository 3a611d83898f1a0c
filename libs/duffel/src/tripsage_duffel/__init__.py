"""Shared by the services that call Duffel: its settings and its calls through the provider layer.

    settings = FlightsSettings()                      # a DuffelServiceSettings subclass
    duffel = DuffelCaller.from_settings(settings, name="flights")
    body = await duffel.send("offer", "GET", f"/air/offers/{offer_id}")

Every call carries the bearer token, `Duffel-Version: v2` and `Accept-Encoding: gzip`, goes over the shared HTTP
client (tripsage_http.ServiceClient) and through the shared provider layer (tripsage_http.provider): a time budget,
retries for 429 (after Retry-After or `ratelimit-reset`), 5xx, timeouts and dropped connections, and a circuit
breaker. Duffel's error envelope becomes the shared provider errors of tripsage_core.errors:

    429                              rate_limited   ProviderRateLimited 503 once retries and budget are spent
    5xx, unreachable                 unavailable    ProviderUnavailable 503
    401, 403                         misconfigured  ProviderMisconfigured
    404, offer/rate no longer there  not_found      ProviderNotFound (adapters turn it into their domain's 404)
    other 4xx (422 validation_error) rejected       ProviderRejected 422 naming our field

Why not the `duffel-api` SDK: see docs/flights.md ("Duffel").
"""

from tripsage_duffel.caller import API_VERSION, DuffelCaller
from tripsage_duffel.config import PROVIDER_NAME, SANDBOX_ACCESS_TOKEN, DuffelServiceSettings
from tripsage_duffel.errors import GONE_CODES, amount, rate_limit_wait_s

__all__ = [
    "API_VERSION",
    "GONE_CODES",
    "PROVIDER_NAME",
    "SANDBOX_ACCESS_TOKEN",
    "DuffelCaller",
    "DuffelServiceSettings",
    "amount",
    "rate_limit_wait_s",
]
