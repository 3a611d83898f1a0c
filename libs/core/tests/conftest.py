from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings


@asynccontextmanager
async def _no_state(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
    yield {}


@pytest.fixture
def make_app() -> Callable[..., FastAPI]:
    def build(
        *routers: APIRouter,
        readiness: Mapping[str, ReadinessCheck] | None = None,
        settings: ServiceSettings | None = None,
    ) -> FastAPI:
        return create_service_app(
            ServiceSpec(
                name="test", routers=list(routers), lifespan=_no_state, readiness=lambda _state: readiness or {}
            ),
            settings or ServiceSettings(access_log=True),
        )

    return build


@pytest.fixture
def dev_token() -> str:
    return mint_token(sub="dev-user", secret=DEVELOPMENT_JWT_SECRET)
