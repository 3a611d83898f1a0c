"""The time service's app: its state is the zone locator, loaded once per process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI

from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_geo.zones import ZoneLocator
from tripsage_time.api import router
from tripsage_time.config import TimeSettings
from tripsage_time.service import TimeService


@dataclass(frozen=True, slots=True)
class TimeState:
    time: TimeService


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[TimeState]:
    # Loading the polygons takes a moment; off the event loop so the process stays responsive to signals.
    locator = await asyncio.to_thread(ZoneLocator)
    yield TimeState(time=TimeService(locator))


async def _zone_data_loaded(state: TimeState) -> None:
    state.time.timezone_at(lat=0.0, lon=0.0)


def _readiness(state: TimeState) -> Mapping[str, ReadinessCheck]:
    return {"zone_data": ReadinessCheck(partial(_zone_data_loaded, state))}


SPEC = ServiceSpec(name="time", routers=[router], lifespan=_lifespan, readiness=_readiness)


def create_app(settings: TimeSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or TimeSettings())
