"""The flights service's app: its state is the provider (and its SDK thread pool) and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.answers import cached_provider_readiness
from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_core.flags import FeatureFlags
from tripsage_flights.api import router
from tripsage_flights.config import FlightsSettings
from tripsage_flights.providers import build_provider
from tripsage_flights.service import AlternativeRoutes, FlightsService


@dataclass(frozen=True, slots=True)
class FlightsState:
    flights: FlightsService


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[FlightsState]:
    settings: FlightsSettings = app.state.settings
    flags: FeatureFlags = app.state.flags
    async with (
        aclosing(build_provider(settings)) as provider,
        Cache.for_service(settings, namespace="flights") as cache,
    ):
        yield FlightsState(
            flights=FlightsService(
                provider,
                cache,
                offer_ttl_s=settings.offer_ttl_s,
                search_ttl_s=settings.search_ttl_s,
                locations_ttl_s=settings.locations_ttl_s,
                max_days_ahead=settings.max_days_ahead,
                airport_reach_km=settings.airport_reach_km,
                alternatives=AlternativeRoutes(
                    enabled=flags.alternative_routes,
                    radius_km=settings.alternative_radius_km,
                    per_end=settings.alternative_airports,
                ),
            )
        )


def _readiness(state: FlightsState) -> Mapping[str, ReadinessCheck]:
    return cached_provider_readiness(state.flights.provider.status, state.flights.cache)


SPEC = ServiceSpec(name="flights", routers=[router], lifespan=_lifespan, readiness=_readiness)


def create_app(settings: FlightsSettings | None = None, flags: FeatureFlags | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or FlightsSettings(), flags)
