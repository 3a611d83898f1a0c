"""A real sandbox for the session, a fresh app per test, and helpers to arm the sandbox's faults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_maps.app import create_app
from tripsage_maps.config import MapsSettings
from tripsage_sandbox.testing import RunningSandbox, running_sandbox

# Tests run with a short budget so every fault case finishes in a couple of seconds.
TEST_BUDGET_S = 1.5

MakeClient = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def sandbox_url(sandbox: RunningSandbox) -> Iterator[str]:
    """The sandbox with no faults armed and its call counters at zero."""
    httpx.delete(f"{sandbox.url}/__sandbox/faults")
    httpx.delete(f"{sandbox.url}/__sandbox/stats")
    yield sandbox.url
    httpx.delete(f"{sandbox.url}/__sandbox/faults")


@pytest.fixture(scope="session")
def token() -> str:
    return mint_token(sub="maps-tester", secret=DEVELOPMENT_JWT_SECRET)


def settings_for(provider_base_url: str, **overrides: Any) -> MapsSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "provider_base_url": provider_base_url,
        "provider_timeout_s": TEST_BUDGET_S,
        "redis_url": None,
        **overrides,
    }
    return MapsSettings(**values)


@pytest.fixture
def make_client(sandbox_url: str, token: str) -> MakeClient:
    """A TestClient over a new app (own cache, breaker and pool) talking to the sandbox, with a dev token."""

    @contextmanager
    def make(**overrides: Any) -> Iterator[TestClient]:
        overrides.setdefault("provider_base_url", sandbox_url)
        app = create_app(settings_for(**overrides))
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["authorization"] = f"Bearer {token}"
            yield client

    return make


def arm_fault(sandbox_url: str, **spec: Any) -> dict[str, Any]:
    """Arm a sandbox fault for Google (see docs/sandbox.md), e.g. kind="rate_limit", count=1."""
    response = httpx.post(f"{sandbox_url}/__sandbox/faults", json={"provider": "google", **spec})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def google_calls(sandbox_url: str) -> int:
    """Google calls that reached the sandbox since the test began."""
    stats = httpx.get(f"{sandbox_url}/__sandbox/stats").json()
    return int(stats.get("providers", {}).get("google", {}).get("total", 0))


FIXTURES = Path(__file__).parent / "fixtures"
