"""A service that answers from one provider through the cache: its lifespan state, its readiness and, when the domain
needs nothing else to run, its whole `ServiceSpec` (flights, stays).

    SPEC = provider_backed_spec("flights", [router], FlightsSettings.build_provider, FlightsService)

Routes reach the domain through `domain_of` (`Flights = Annotated[FlightsService, Depends(domain_of)]`); a service
with more to open (maps, weather) writes its own lifespan and still yields a `ProviderBacked` state.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fastapi import APIRouter, FastAPI

from tripsage_cache._cache import Cache
from tripsage_cache.answers import cache_readiness
from tripsage_core.app import ReadinessCheck, ServiceSpec, state_part
from tripsage_core.flags import FeatureFlags
from tripsage_core.settings import ServiceSettings


class Provider(Protocol):
    """The lifecycle every provider (or set of providers) of a domain shares."""

    async def status(self) -> dict[str, Any]:
        """Provider health for readiness, without calling the provider (e.g. its circuit state)."""
        ...

    async def aclose(self) -> None: ...


DomainT = TypeVar("DomainT")
ProviderT = TypeVar("ProviderT", bound=Provider)
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass(frozen=True, slots=True)
class ProviderBacked(Generic[DomainT, ProviderT]):
    """The lifespan state: the domain the routes call, and the provider and cache its readiness reports on."""

    domain: DomainT
    provider: ProviderT
    cache: Cache


domain_of = state_part("domain")


def cached_provider_readiness(state: ProviderBacked[Any, Any]) -> dict[str, ReadinessCheck]:
    """A provider-backed service's readiness: its provider's status and its cache, neither critical.

    With the provider down cached answers are still served, and with the cache down requests still reach the
    provider: pulling pods from rotation would help in neither case.
    """
    return {
        "provider": ReadinessCheck(state.provider.status, critical=False),
        "cache": ReadinessCheck(functools.partial(cache_readiness, state.cache), critical=False),
    }


def provider_backed_spec(
    name: str,
    routers: Sequence[APIRouter],
    build_provider: Callable[[SettingsT], ProviderT],
    build_domain: Callable[[ProviderT, Cache, SettingsT, FeatureFlags], DomainT],
) -> ServiceSpec[ProviderBacked[DomainT, ProviderT]]:
    """The spec of a service whose lifespan opens the selected provider and the cache (namespace `name`), builds the
    domain over them from the settings and flags, and closes both when it ends."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[ProviderBacked[DomainT, ProviderT]]:
        settings: SettingsT = app.state.settings
        async with (
            aclosing(build_provider(settings)) as provider,
            Cache.for_service(settings, namespace=name) as cache,
        ):
            yield ProviderBacked(build_domain(provider, cache, settings, app.state.flags), provider, cache)

    return ServiceSpec(name=name, routers=routers, lifespan=lifespan, readiness=cached_provider_readiness)
