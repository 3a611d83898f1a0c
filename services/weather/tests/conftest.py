"""Shared fixtures: one real sandbox per session, a clean cache and no armed faults per test, an app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from tripsage_sandbox.testing import RunningSandbox, running_sandbox
from tripsage_weather.app import create_app
from tripsage_weather.config import WeatherSettings

AppFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


class SandboxControl:
    """The sandbox's control API: faults on demand and upstream call counts."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self._http = httpx.Client(base_url=sandbox.url, trust_env=False, timeout=5)

    def fault(self, kind: str, **spec: Any) -> None:
        response = self._http.post("/__sandbox/faults", json={"provider": "owm", "kind": kind, **spec})
        assert response.status_code == 201, response.text

    def clear(self) -> None:
        self._http.delete("/__sandbox/faults").raise_for_status()
        self._http.delete("/__sandbox/stats").raise_for_status()

    def owm_calls(self, endpoint: str | None = None) -> int:
        stats = self._http.get("/__sandbox/stats").json()
        owm = stats["providers"].get("owm", {"total": 0, "endpoints": {}})
        return int(owm["total"] if endpoint is None else owm["endpoints"].get(endpoint, 0))


@pytest.fixture
def control(sandbox: RunningSandbox, redis_url: str) -> Iterator[SandboxControl]:
    ctl = SandboxControl(sandbox)
    ctl.clear()
    # Every test starts from an empty cache, so a test's hits and misses are its own.
    redis.Redis.from_url(redis_url).flushdb()
    yield ctl
    ctl.clear()


@pytest.fixture
def make_client(sandbox: RunningSandbox, redis_url: str, control: SandboxControl) -> Iterator[AppFactory]:
    """Build the real app against the sandbox and real Redis; keyword arguments override settings."""
    with _clients() as opened:

        def build(**overrides: Any) -> TestClient:
            settings = WeatherSettings(
                environment="test",
                provider_base_url=sandbox.url,
                redis_url=redis_url,
                access_log=False,
                **overrides,
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
