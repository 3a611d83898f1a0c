"""Application assembly: provider routes, control API and the fault/latency middleware."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from tripsage_sandbox import control, errors, gazetteer, geo
from tripsage_sandbox.batcher import EmbeddingBatcher
from tripsage_sandbox.config import SandboxSettings
from tripsage_sandbox.embedder import LazyEmbedder
from tripsage_sandbox.faults import FaultRegistry, RequestStats
from tripsage_sandbox.middleware import ProviderMiddleware
from tripsage_sandbox.model_store import model_path
from tripsage_sandbox.providers import (
    amadeus_auth,
    amadeus_flights,
    amadeus_places,
    duffel_flights,
    duffel_stays,
    embeddings,
    google,
    owm,
    places_v1,
    routes_v2,
)
from tripsage_sandbox.providers.duffel_common import RateLimiter
from tripsage_sandbox.responses import json_response
from tripsage_sandbox.routing import classify

log = structlog.get_logger(__name__)

_ROUTES = (
    ("/v1/security/oauth2/token", amadeus_auth.token_endpoint, ["POST"]),
    ("/v2/shopping/flight-offers", amadeus_flights.flight_offers_get, ["GET"]),
    ("/v2/shopping/flight-offers", amadeus_flights.flight_offers_post, ["POST"]),
    ("/v1/shopping/flight-offers/pricing", amadeus_flights.flight_offers_pricing, ["POST"]),
    ("/v1/reference-data/locations", amadeus_places.locations, ["GET"]),
    ("/v1/reference-data/locations/hotels/by-city", amadeus_places.hotels_by_city, ["GET"]),
    ("/v1/reference-data/locations/hotels/by-geocode", amadeus_places.hotels_by_geocode, ["GET"]),
    ("/v1/reference-data/locations/airports", amadeus_places.nearest_airports, ["GET"]),
    ("/v1/reference-data/locations/{location_id}", amadeus_places.location_by_id, ["GET"]),
    ("/v3/shopping/hotel-offers", amadeus_places.hotel_offers, ["GET"]),
    ("/v3/shopping/hotel-offers/{offer_id}", amadeus_places.hotel_offer, ["GET"]),
    ("/maps/api/geocode/json", google.geocode, ["GET"]),
    ("/maps/api/place/textsearch/json", google.place_text_search, ["GET"]),
    ("/maps/api/place/nearbysearch/json", google.place_nearby_search, ["GET"]),
    ("/maps/api/place/details/json", google.place_details, ["GET"]),
    ("/maps/api/directions/json", google.directions, ["GET"]),
    ("/maps/api/distancematrix/json", google.distance_matrix, ["GET"]),
    ("/maps/api/timezone/json", google.timezone, ["GET"]),
    ("/directions/v2:computeRoutes", routes_v2.compute_routes, ["POST"]),
    ("/distanceMatrix/v2:computeRouteMatrix", routes_v2.compute_route_matrix, ["POST"]),
    ("/v1/places:searchText", places_v1.search_text, ["POST"]),
    ("/v1/places:searchNearby", places_v1.search_nearby, ["POST"]),
    ("/v1/places/{place_id}", places_v1.get_place, ["GET"]),
    ("/data/2.5/weather", owm.current_weather, ["GET"]),
    ("/data/2.5/forecast", owm.forecast, ["GET"]),
    ("/data/3.0/onecall", owm.onecall, ["GET"]),
    ("/v1/embeddings", embeddings.create_embeddings, ["POST"]),
    ("/v1/models", embeddings.list_models, ["GET"]),
    ("/air/offer_requests", duffel_flights.create_offer_request, ["POST"]),
    ("/air/offer_requests/", duffel_flights.create_offer_request, ["POST"]),
    ("/air/offers", duffel_flights.list_offers, ["GET"]),
    ("/air/offers/{offer_id}", duffel_flights.get_offer, ["GET"]),
    ("/places/suggestions", duffel_flights.place_suggestions, ["GET"]),
    ("/stays/search", duffel_stays.search, ["POST"]),
    ("/stays/search_results/{result_id}/actions/fetch_all_rates", duffel_stays.fetch_all_rates, ["POST"]),
    ("/stays/quotes", duffel_stays.create_quote, ["POST"]),
)


def _warm(embedder: LazyEmbedder) -> None:
    """Build the place indexes (and load the model if present) so first requests are fast."""
    geo.search_city_in_text("warm up")
    geo.locality_at(0.0, 0.0)
    gazetteer.is_open_water(0.0, 0.0)
    gazetteer.in_city(geo.locality_at(0.0, 0.0))
    if embedder.available():
        embedder.get()


def build_fastapi(settings: SandboxSettings) -> FastAPI:
    """The routed app without the outer middleware (handy for in-process tests)."""
    embedder = LazyEmbedder(model_path(settings.model_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(_warm, embedder)
        log.info(
            "sandbox_ready",
            host=settings.host,
            port=settings.port,
            embedding_model="ready" if embedder.available() else "missing",
        )
        yield

    app = FastAPI(
        title="TripSage provider sandbox",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/__sandbox/docs",
        openapi_url="/__sandbox/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.tokens = amadeus_auth.TokenStore(settings.amadeus_token_ttl)
    app.state.duffel_limiter = RateLimiter(settings.duffel_rate_limit)
    app.state.faults = FaultRegistry()
    app.state.stats = RequestStats()
    app.state.embedder = embedder
    app.state.batcher = EmbeddingBatcher(embedder)
    for path, endpoint, methods in _ROUTES:
        app.add_route(path, endpoint, methods=methods, include_in_schema=False)
    app.include_router(control.router)

    @app.exception_handler(StarletteHTTPException)
    async def _provider_not_found(request: Request, exc: StarletteHTTPException) -> Response:
        target = classify(request.url.path)
        if target is None:
            return await http_exception_handler(request, exc)
        return errors.unknown_route(target[0], request.method, request.url.path, exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("sandbox_unhandled_error", path=request.url.path)
        return json_response({"error": "sandbox internal error", "detail": type(exc).__name__}, 500)

    return app


def create_app(settings: SandboxSettings | None = None) -> ASGIApp:
    """The full ASGI app: routes wrapped in the stats/latency/fault middleware."""
    settings = settings or SandboxSettings()
    inner = build_fastapi(settings)
    outer = ProviderMiddleware(inner, inner.state.faults, inner.state.stats, settings.latency_ms)
    outer.state = inner.state  # type: ignore[attr-defined]
    return outer
