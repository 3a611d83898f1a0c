"""The stays service's app: its state is the provider (and its SDK thread pool) and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.answers import cached_provider_readiness
from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_stays.api import router
from tripsage_stays.config import StaysSettings
from tripsage_stays.providers import build_provider
from tripsage_stays.service import StaysService


@dataclass(frozen=True, slots=True)
class StaysState:
    stays: StaysService


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[StaysState]:
    settings: StaysSettings = app.state.settings
    async with (
        aclosing(build_provider(settings)) as provider,
        Cache.for_service(settings, namespace="stays") as cache,
    ):
        yield StaysState(
            stays=StaysService(
                provider,
                cache,
                hotels_per_search=settings.hotels_per_search,
                max_days_ahead=settings.max_days_ahead,
                max_nights=settings.max_nights,
                search_ttl_s=settings.search_ttl_s,
            )
        )


def _readiness(state: StaysState) -> Mapping[str, ReadinessCheck]:
    return cached_provider_readiness(state.stays.provider.status, state.stays.cache)


SPEC = ServiceSpec(name="stays", routers=[router], lifespan=_lifespan, readiness=_readiness)


def create_app(settings: StaysSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or StaysSettings())
