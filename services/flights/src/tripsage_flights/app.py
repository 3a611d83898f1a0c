"""The flights service's app: its state is the provider (and its SDK thread pool) and the cache."""

from __future__ import annotations

from fastapi import FastAPI

from tripsage_cache.provider_backed import provider_backed_spec
from tripsage_core.app import create_service_app
from tripsage_core.flags import FeatureFlags
from tripsage_flights.api import router
from tripsage_flights.config import FlightsSettings
from tripsage_flights.service import FlightsService

SPEC = provider_backed_spec("flights", [router], FlightsSettings.build_provider, FlightsService)


def create_app(settings: FlightsSettings | None = None, flags: FeatureFlags | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or FlightsSettings(), flags)
