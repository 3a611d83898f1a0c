"""Duffel's routes in the sandbox: the real API paths, served on the one sandbox port (base URL = sandbox URL)."""

from __future__ import annotations

from tripsage_sandbox.providers import duffel_flights, duffel_stays
from tripsage_sandbox.providers.duffel_common import RateLimiter

DUFFEL_ROUTES = (
    ("/air/offer_requests", duffel_flights.create_offer_request, ["POST"]),
    ("/air/offer_requests/", duffel_flights.create_offer_request, ["POST"]),
    ("/air/offers", duffel_flights.list_offers, ["GET"]),
    ("/air/offers/{offer_id}", duffel_flights.get_offer, ["GET"]),
    ("/places/suggestions", duffel_flights.place_suggestions, ["GET"]),
    ("/stays/search", duffel_stays.search, ["POST"]),
    ("/stays/search_results/{result_id}/actions/fetch_all_rates", duffel_stays.fetch_all_rates, ["POST"]),
    ("/stays/quotes", duffel_stays.create_quote, ["POST"]),
)

__all__ = ["DUFFEL_ROUTES", "RateLimiter"]
