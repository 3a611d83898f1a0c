"""The stays service's app: its state is the provider (and its SDK thread pool) and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.answers import cached_provider_readiness
from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_core.flags import FeatureFlags
from tripsage_stays.api import router
from tripsage_stays.config import StaysSettings
from tripsage_stays.providers import build_provider
from tripsage_stays.service import StaysService


@dataclass(frozen=True, slots=True)
class StaysState:
    stays: StaysService


def _lifespan_for(settings: StaysSettings) -> Any:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[StaysState]:
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

    return lifespan


def _readiness(state: StaysState) -> Mapping[str, ReadinessCheck]:
    return cached_provider_readiness(state.stays.provider.status, state.stays.cache)


def create_app(settings: StaysSettings | None = None) -> FastAPI:
    settings = settings or StaysSettings()
    return create_service_app(
        ServiceSpec(
            name="stays",
            settings=settings,
            routers=[router],
            lifespan=_lifespan_for(settings),
            readiness=_readiness,
            flags=FeatureFlags(),
            description="Hotel search joined with live offers, and offer re-checks, on Amadeus.",
        )
    )
