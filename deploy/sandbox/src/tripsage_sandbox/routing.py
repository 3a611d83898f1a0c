"""Which provider and endpoint a request path belongs to (for faults and counters)."""

from __future__ import annotations

from tripsage_sandbox.faults import Provider

_EXACT: dict[str, tuple[Provider, str]] = {
    "/v1/security/oauth2/token": (Provider.AMADEUS, "token"),
    "/v2/shopping/flight-offers": (Provider.AMADEUS, "flight_offers"),
    "/v1/shopping/flight-offers/pricing": (Provider.AMADEUS, "flight_offers_pricing"),
    "/v1/reference-data/locations": (Provider.AMADEUS, "locations"),
    "/v1/reference-data/locations/hotels/by-city": (Provider.AMADEUS, "hotels_by_city"),
    "/v1/reference-data/locations/hotels/by-geocode": (Provider.AMADEUS, "hotels_by_geocode"),
    "/v3/shopping/hotel-offers": (Provider.AMADEUS, "hotel_offers"),
    "/v1/reference-data/locations/airports": (Provider.AMADEUS, "nearest_airports"),
    "/maps/api/geocode/json": (Provider.GOOGLE, "geocode"),
    "/maps/api/place/textsearch/json": (Provider.GOOGLE, "place_textsearch"),
    "/maps/api/place/nearbysearch/json": (Provider.GOOGLE, "place_nearbysearch"),
    "/maps/api/place/details/json": (Provider.GOOGLE, "place_details"),
    "/maps/api/directions/json": (Provider.GOOGLE, "directions"),
    "/maps/api/distancematrix/json": (Provider.GOOGLE, "distancematrix"),
    "/maps/api/timezone/json": (Provider.GOOGLE, "timezone"),
    "/directions/v2:computeRoutes": (Provider.GOOGLE_ROUTES, "computeRoutes"),
    "/distanceMatrix/v2:computeRouteMatrix": (Provider.GOOGLE_ROUTES, "computeRouteMatrix"),
    "/v1/places:searchText": (Provider.GOOGLE_PLACES, "searchText"),
    "/v1/places:searchNearby": (Provider.GOOGLE_PLACES, "searchNearby"),
    "/data/2.5/weather": (Provider.OWM, "weather"),
    "/data/2.5/forecast": (Provider.OWM, "forecast"),
    "/data/3.0/onecall": (Provider.OWM, "onecall"),
    "/v1/embeddings": (Provider.EMBEDDINGS, "embeddings"),
    "/v1/models": (Provider.EMBEDDINGS, "models"),
    "/air/offer_requests": (Provider.DUFFEL, "offer_requests"),
    "/air/offers": (Provider.DUFFEL, "offers"),
    "/places/suggestions": (Provider.DUFFEL, "places"),
    "/stays/search": (Provider.DUFFEL, "stays_search"),
    "/stays/quotes": (Provider.DUFFEL, "stays_quotes"),
}

_PREFIXES: tuple[tuple[str, Provider, str], ...] = (
    ("/v3/shopping/hotel-offers/", Provider.AMADEUS, "hotel_offer"),
    ("/v1/reference-data/locations/", Provider.AMADEUS, "location"),
    ("/air/offers/", Provider.DUFFEL, "offer"),
    ("/stays/search_results/", Provider.DUFFEL, "stays_rates"),
    ("/air/", Provider.DUFFEL, "other"),
    ("/places/", Provider.DUFFEL, "other"),
    ("/stays/", Provider.DUFFEL, "other"),
    ("/maps/api/", Provider.GOOGLE, "other"),
    ("/v1/places/", Provider.GOOGLE_PLACES, "getPlace"),
    ("/v1/places:", Provider.GOOGLE_PLACES, "other"),
    ("/directions/", Provider.GOOGLE_ROUTES, "other"),
    ("/distanceMatrix/", Provider.GOOGLE_ROUTES, "other"),
    ("/data/", Provider.OWM, "other"),
    ("/v1/", Provider.AMADEUS, "other"),
    ("/v2/", Provider.AMADEUS, "other"),
    ("/v3/", Provider.AMADEUS, "other"),
)


def classify(path: str) -> tuple[Provider, str] | None:
    """Return (provider, endpoint name) for a provider path, None for anything else."""
    found = _EXACT.get(path.rstrip("/") or "/")
    if found is not None:
        return found
    for prefix, provider, endpoint in _PREFIXES:
        if path.startswith(prefix):
            return provider, endpoint
    return None
