"""Which Google APIs serve the maps routes: `MAPS_ROUTING_API` and `MAPS_PLACES_API` choose current or legacy.

Geocoding always goes through the googlemaps SDK (the Geocoding API is current). Each current API host gets its
own ServiceClient and circuit; the legacy APIs share the SDK caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from tripsage_core.errors import ProviderMisconfigured
from tripsage_http import BreakerPolicy, CallPolicy, RetryPolicy, ServiceClient
from tripsage_maps.config import MapsSettings
from tripsage_maps.providers.base import PlacesProvider, RoutingProvider
from tripsage_maps.providers.google_client import GoogleMapsCaller
from tripsage_maps.providers.google_directions import GoogleLegacyRouting
from tripsage_maps.providers.google_places import GooglePlaces
from tripsage_maps.providers.google_places_new import GooglePlacesNew
from tripsage_maps.providers.google_routes import GoogleRoutes
from tripsage_maps.providers.google_rpc import GoogleRpcCaller

# The legacy operations whose REQUEST_DENIED ("legacy API not enabled") a switch to a current API cures.
_LEGACY_ROUTING = frozenset({"directions", "distancematrix"})
_LEGACY_PLACES = frozenset({"place_textsearch", "place_nearbysearch", "place_details"})


@dataclass(frozen=True, slots=True)
class GoogleProviders:
    places: PlacesProvider
    routing: RoutingProvider
    sdk: GoogleMapsCaller
    current: tuple[GoogleRpcCaller, ...]

    async def status(self) -> dict[str, Any]:
        """Readiness: every circuit in use, and which variable to switch when Google refuses a legacy API."""
        denied = self.sdk.legacy_denied
        if denied & _LEGACY_ROUTING:
            raise ProviderMisconfigured(
                "Google refuses the legacy Directions/Distance Matrix APIs for this key (legacy API not enabled);"
                " set MAPS_ROUTING_API=routes"
            )
        if denied & _LEGACY_PLACES:
            raise ProviderMisconfigured(
                "Google refuses the legacy Places API for this key (legacy API not enabled); set MAPS_PLACES_API=new"
            )
        report = await self.sdk.status()
        for rpc in self.current:
            report[rpc.provider] = await rpc.status()
        return report

    async def aclose(self) -> None:
        for rpc in self.current:
            await rpc.aclose()
        await self.sdk.aclose()


def _current_api(
    settings: MapsSettings, name: str, base_url: str, trace_configs: Sequence[aiohttp.TraceConfig]
) -> GoogleRpcCaller:
    client = ServiceClient(
        name=name,
        base_url=base_url,
        timeout_s=settings.provider_timeout_s,
        max_connections=settings.provider_concurrency,
        # The provider layer retries and owns the circuit; the client only sends.
        retry=RetryPolicy(attempts=1),
        breaker=BreakerPolicy(enabled=False),
        trace_configs=trace_configs,
    )
    policy = CallPolicy(
        budget_s=settings.provider_timeout_s,
        attempts=3,
        backoff_initial_s=0.05,
        backoff_max_s=0.5,
        breaker_threshold=settings.breaker_threshold,
        breaker_reset_s=settings.breaker_reset_s,
    )
    return GoogleRpcCaller(client, key=settings.google_key(), provider=name, policy=policy)


def google_providers(settings: MapsSettings, trace_configs: Sequence[aiohttp.TraceConfig] = ()) -> GoogleProviders:
    sdk = GoogleMapsCaller(
        key=settings.google_key(),
        base_url=settings.google_base_url,
        timeout_s=settings.provider_timeout_s,
        concurrency=settings.provider_concurrency,
        queries_per_second=settings.provider_queries_per_second,
        breaker_threshold=settings.breaker_threshold,
        breaker_reset_s=settings.breaker_reset_s,
        rate_limit_retry_after_s=settings.rate_limit_retry_after_s,
    )
    legacy_places = GooglePlaces(sdk)
    current: list[GoogleRpcCaller] = []
    places: PlacesProvider = legacy_places
    routing: RoutingProvider = GoogleLegacyRouting(sdk)
    if settings.places_api == "new":
        places_rpc = _current_api(settings, "google-places", settings.places_base_url, trace_configs)
        current.append(places_rpc)
        places = GooglePlacesNew(places_rpc, legacy_places)
    if settings.routing_api == "routes":
        routes_rpc = _current_api(settings, "google-routes", settings.routes_base_url, trace_configs)
        current.append(routes_rpc)
        routing = GoogleRoutes(routes_rpc)
    return GoogleProviders(places=places, routing=routing, sdk=sdk, current=tuple(current))
