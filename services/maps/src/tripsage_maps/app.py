"""The maps service's app: its state is the Google SDK caller, the providers over it, and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.answers import cached_provider_readiness
from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_maps.api import router
from tripsage_maps.config import MapsSettings
from tripsage_maps.providers.google_client import GoogleMapsCaller
from tripsage_maps.providers.google_directions import GoogleLegacyRouting
from tripsage_maps.providers.google_places import GooglePlaces
from tripsage_maps.service import CacheTTLs, MapsService


@dataclass(frozen=True, slots=True)
class MapsState:
    maps: MapsService
    google: GoogleMapsCaller
    cache: Cache


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[MapsState]:
    settings: MapsSettings = app.state.settings
    google = GoogleMapsCaller(
        key=settings.google_key(),
        base_url=settings.google_base_url,
        timeout_s=settings.provider_timeout_s,
        concurrency=settings.provider_concurrency,
        queries_per_second=settings.provider_queries_per_second,
        breaker_threshold=settings.breaker_threshold,
        breaker_reset_s=settings.breaker_reset_s,
        rate_limit_retry_after_s=settings.rate_limit_retry_after_s,
    )
    ttls = CacheTTLs(
        geocode_s=settings.ttl_geocode_s,
        place_search_s=settings.ttl_place_search_s,
        place_details_s=settings.ttl_place_details_s,
        route_s=settings.ttl_route_s,
        traffic_route_s=settings.ttl_traffic_route_s,
    )
    stale_factor = ttls.stale_factor(settings.cache_stale_multiplier)
    async with aclosing(google), Cache.for_service(settings, namespace="maps", stale_factor=stale_factor) as cache:
        yield MapsState(
            maps=MapsService(cache, GooglePlaces(google), GoogleLegacyRouting(google), ttls),
            google=google,
            cache=cache,
        )


def _readiness(state: MapsState) -> Mapping[str, ReadinessCheck]:
    return cached_provider_readiness(state.google.status, state.cache)


SPEC = ServiceSpec(name="maps", routers=[router], lifespan=_lifespan, readiness=_readiness)


def create_app(settings: MapsSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or MapsSettings())
