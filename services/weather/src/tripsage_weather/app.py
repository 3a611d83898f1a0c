"""The weather service's app: its state owns the OpenWeatherMap client, the cache and the zone locator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager

from fastapi import FastAPI

from tripsage_cache import Cache
from tripsage_cache.provider_backed import ProviderBacked, cached_provider_readiness
from tripsage_core.app import ServiceSpec, create_service_app, telemetry_of
from tripsage_geo.zones import ZoneLocator
from tripsage_http import BreakerPolicy, CallPolicy, ProviderCaller, RetryPolicy, ServiceClient
from tripsage_weather.api import router
from tripsage_weather.config import WeatherSettings
from tripsage_weather.providers.openweathermap import PROVIDER_NAME, OpenWeatherMap, classify
from tripsage_weather.service import CachePolicy, TripLimits, WeatherService


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[ProviderBacked[WeatherService, OpenWeatherMap]]:
    settings: WeatherSettings = app.state.settings
    client = ServiceClient(
        name=PROVIDER_NAME,
        base_url=settings.owm_base_url,
        timeout_s=settings.provider_timeout_s,
        connect_timeout_s=settings.provider_connect_timeout_s,
        # The provider layer retries and owns the circuit; the client only sends.
        retry=RetryPolicy(attempts=1),
        breaker=BreakerPolicy(enabled=False),
        trace_configs=telemetry_of(app).aiohttp_trace_configs(),
    )
    caller = ProviderCaller(
        PROVIDER_NAME,
        provider=PROVIDER_NAME,
        classify=classify,
        policy=CallPolicy(
            budget_s=settings.provider_timeout_s,
            attempts=settings.provider_retry_attempts,
            backoff_initial_s=0.05,
            backoff_max_s=1.0,
            breaker_threshold=settings.breaker_threshold,
            breaker_reset_s=settings.breaker_reset_s,
        ),
    )
    provider = OpenWeatherMap(client, caller, api_key=settings.owm_key, onecall=settings.owm_plan == "onecall")
    async with aclosing(provider), Cache.for_service(settings, namespace="weather") as cache:
        # Reading the zone index takes a moment; off the event loop so the process stays responsive to signals.
        zones = await asyncio.to_thread(ZoneLocator)
        service = WeatherService(
            provider,
            cache,
            zones,
            policy=CachePolicy(
                current_s=settings.ttl_current_s,
                forecast_s=settings.ttl_forecast_s,
                daily_outlook_s=settings.ttl_alerts_s,
            ),
            limits=TripLimits(max_days=settings.trip_max_days, max_lead_days=settings.trip_max_lead_days),
            plan=settings.owm_plan,
        )
        yield ProviderBacked(service, provider, cache)


SPEC = ServiceSpec(name="weather", routers=[router], lifespan=_lifespan, readiness=cached_provider_readiness)


def create_app(settings: WeatherSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or WeatherSettings())
