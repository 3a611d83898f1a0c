"""The stays service's app: its state is the provider (and its SDK thread pool) and the cache."""

from __future__ import annotations

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.provider_backed import provider_backed_spec
from tripsage_core.app import create_service_app
from tripsage_core.flags import FeatureFlags
from tripsage_stays.api import router
from tripsage_stays.config import StaysSettings
from tripsage_stays.providers.base import StayProvider
from tripsage_stays.service import StaysService


def _stays(provider: StayProvider, cache: Cache, settings: StaysSettings, _flags: FeatureFlags) -> StaysService:
    return StaysService(provider, cache, settings)  # no feature flag switches a stays path


SPEC = provider_backed_spec("stays", [router], StaysSettings.build_provider, _stays)


def create_app(settings: StaysSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or StaysSettings())
