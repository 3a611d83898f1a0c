"""The maps service's app: its state is the Google SDK caller, the providers over it, and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.provider_backed import ProviderBacked, cached_provider_readiness
from tripsage_core.app import ServiceSpec, create_service_app, telemetry_of
from tripsage_maps.api import router
from tripsage_maps.config import MapsSettings
from tripsage_maps.providers.selection import GoogleProviders, google_providers
from tripsage_maps.service import CacheTTLs, MapsService


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[ProviderBacked[MapsService, GoogleProviders]]:
    settings: MapsSettings = app.state.settings
    google = google_providers(settings, telemetry_of(app).aiohttp_trace_configs())
    ttls = CacheTTLs(
        geocode_s=settings.ttl_geocode_s,
        place_search_s=settings.ttl_place_search_s,
        place_details_s=settings.ttl_place_details_s,
        route_s=settings.ttl_route_s,
        traffic_route_s=settings.ttl_traffic_route_s,
    )
    stale_factor = ttls.stale_factor(settings.cache_stale_multiplier)
    async with aclosing(google), Cache.for_service(settings, namespace="maps", stale_factor=stale_factor) as cache:
        yield ProviderBacked(MapsService(cache, google.places, google.routing, ttls), google, cache)


SPEC = ServiceSpec(name="maps", routers=[router], lifespan=_lifespan, readiness=cached_provider_readiness)


def create_app(settings: MapsSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or MapsSettings())
