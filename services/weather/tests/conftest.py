"""The app factory over the plugin's sandbox (faults addressed to OpenWeatherMap) and an emptied real Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tripsage_testing.sandbox import SandboxControl
from tripsage_weather.app import create_app
from tripsage_weather.config import WeatherSettings

AppFactory = Callable[..., TestClient]


@pytest.fixture
def sandbox_provider() -> str:
    return "owm"


@pytest.fixture
def make_client(sandbox: SandboxControl, empty_redis: str) -> Iterator[AppFactory]:
    """Build the real app against the sandbox and real Redis; keyword arguments override settings."""
    with _clients() as opened:

        def build(**overrides: Any) -> TestClient:
            settings = WeatherSettings(
                environment="test",
                provider_base_url=sandbox.url,
                redis_url=empty_redis,
                access_log=False,
                **{"cache_op_timeout_s": 2.0, **overrides},  # a busy machine must not turn a hit into a miss
            )
            client = TestClient(create_app(settings))
            opened.append(client.__enter__())
            return client

        yield build


@contextmanager
def _clients() -> Iterator[list[TestClient]]:
    opened: list[TestClient] = []
    try:
        yield opened
    finally:
        for client in opened:
            client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    built: TestClient = make_client()
    return built
