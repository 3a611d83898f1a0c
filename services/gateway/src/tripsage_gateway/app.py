"""The gateway's app: its lifespan owns one HTTP client per upstream service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI

from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app, telemetry_of
from tripsage_db.pool import LazyPool, check_database, open_pool_lazily
from tripsage_gateway.api import unknown_router
from tripsage_gateway.config import DEFAULT_UPSTREAMS, GatewaySettings
from tripsage_gateway.fastpath import ForwardingFastPath
from tripsage_gateway.openapi import OpenAPIAggregator
from tripsage_gateway.ratelimit import RateClass, RateLimiter
from tripsage_gateway.routes import ROUTES
from tripsage_gateway.service import Forwarder
from tripsage_gateway.trips.api import router as trips_router
from tripsage_gateway.trips.brief import BriefBuilder
from tripsage_gateway.trips.repository import init_connection
from tripsage_gateway.trips.service import TripService
from tripsage_http import BreakerPolicy, RetryPolicy, ServiceClient


@dataclass(frozen=True, slots=True)
class GatewayState:
    clients: Mapping[str, ServiceClient]
    forwarder: Forwarder
    db: LazyPool
    trips: TripService
    limiter: RateLimiter
    briefs: BriefBuilder


# Services retry their providers themselves; the gateway retries only a refused or reset connection.
SERVICE_RETRY = RetryPolicy(statuses=frozenset())
# A service answering 502/503/504 is up and reporting its own provider's outage (rate limit, timeout): counting
# that would open the circuit on the cached answers the service still serves. Unreachable, timeouts and 500 count.
SERVICE_BREAKER = BreakerPolicy(counted_statuses=frozenset({500}))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[GatewayState]:
    settings: GatewaySettings = app.state.settings
    async with AsyncExitStack() as stack:
        db = await open_pool_lazily(
            settings.database_url, statement_cache_size=settings.database_statement_cache_size, init=init_connection
        )
        stack.push_async_callback(db.close)
        clients: dict[str, ServiceClient] = {}
        for name in sorted(set(ROUTES.values())):
            client = ServiceClient(
                name=name,
                # Setting one upstream by env replaces the whole map, so fall back per name.
                base_url=settings.upstreams.get(name) or DEFAULT_UPSTREAMS[name],
                timeout_s=settings.upstream_timeouts_s.get(name, settings.upstream_timeout_s),
                connect_timeout_s=settings.upstream_connect_timeout_s,
                trace_configs=telemetry_of(app).aiohttp_trace_configs(),
                retry=SERVICE_RETRY,
                breaker=SERVICE_BREAKER,
            )
            stack.push_async_callback(client.aclose)
            clients[name] = client
        documents = OpenAPIAggregator(app, clients=clients, routes=ROUTES)
        documents.start()
        stack.push_async_callback(documents.stop)
        yield GatewayState(
            clients=clients,
            forwarder=Forwarder(clients=clients, routes=ROUTES),
            db=db,
            trips=TripService(db, telemetry_of(app)),
            briefs=BriefBuilder(clients, section_timeout_s=settings.brief_section_timeout_s),
            limiter=RateLimiter(
                redis_url=settings.redis_url,
                limits={
                    RateClass.SEARCH: settings.rate_limit_search,
                    RateClass.READ: settings.rate_limit_read,
                    RateClass.WRITE: settings.rate_limit_write,
                    RateClass.ANONYMOUS: settings.rate_limit_anonymous,
                },
            ),
        )


async def _upstream_alive(client: ServiceClient) -> None:
    # A probe must neither retry nor count against the circuit that real traffic relies on.
    status = (await client.probe("/health")).status_code
    if status != 200:
        raise ConnectionError(f"{client.name} health answered {status}")


def _readiness(state: GatewayState) -> Mapping[str, ReadinessCheck]:
    # Reported, not required: one service down must not take the whole API out of rotation, and without Redis the
    # rate limits fall back to per-replica counters.
    checks = {
        f"upstream:{name}": ReadinessCheck(partial(_upstream_alive, client), critical=False)
        for name, client in state.clients.items()
    }
    checks["redis"] = ReadinessCheck(state.limiter.store_health, critical=False)
    # Trips need Postgres; forwarding does not, so a database outage answers 503 on trips only.
    checks["database"] = ReadinessCheck(partial(check_database, state.db), critical=False)
    return checks


SPEC = ServiceSpec(
    name="gateway",
    routers=[trips_router, unknown_router],
    inner_middleware=[ForwardingFastPath],
    lifespan=_lifespan,
    readiness=_readiness,
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or GatewaySettings())
