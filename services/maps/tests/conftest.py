"""A fresh app per test over the plugin's sandbox, its faults and counters addressed to Google."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_maps.app import create_app
from tripsage_maps.config import MapsSettings
from tripsage_testing.sandbox import SandboxControl

# Far above any load delay of the local sandbox, so that no answer a test expects is cut by a busy machine; a test
# whose fault uses the whole budget sets SHORT_BUDGET_S so that it still finishes in a couple of seconds.
TEST_BUDGET_S = 10.0
SHORT_BUDGET_S = 1.5

MakeClient = Callable[..., AbstractContextManager[TestClient]]
# The two generations of Google APIs a deployment can choose (docs/maps.md); geocoding is the same in both.
GENERATIONS: dict[str, dict[str, str]] = {
    "current": {"routing_api": "routes", "places_api": "new"},
    "legacy": {"routing_api": "legacy", "places_api": "legacy"},
}
# Where the sandbox counts each generation's calls.
GOOGLE_PROVIDERS = ("google", "google_routes", "google_places")


@pytest.fixture
def generation() -> str:
    """The defaults; a module parametrizes this fixture to run its tests against both generations."""
    return "current"


def google_calls(sandbox: SandboxControl) -> int:
    """Calls that reached any Google API, current or legacy."""
    return sum(sandbox.calls(provider=provider) for provider in GOOGLE_PROVIDERS)


@pytest.fixture
def sandbox_provider() -> str:
    return "google"


@pytest.fixture(scope="session")
def token() -> str:
    return mint_token(sub="maps-tester", secret=DEVELOPMENT_JWT_SECRET)


def settings_for(provider_base_url: str, **overrides: Any) -> MapsSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "provider_base_url": provider_base_url,
        "provider_timeout_s": TEST_BUDGET_S,
        "redis_url": None,
        # Seconds for a Redis operation: a busy machine must not turn an expected cache hit into a miss.
        "cache_op_timeout_s": 2.0,
        **overrides,
    }
    return MapsSettings(**values)


@pytest.fixture
def make_client(sandbox: SandboxControl, token: str, generation: str) -> MakeClient:
    """A TestClient over a new app (own cache, breaker and pool) talking to the sandbox, with a dev token."""

    @contextmanager
    def make(**overrides: Any) -> Iterator[TestClient]:
        overrides.setdefault("provider_base_url", sandbox.url)
        app = create_app(settings_for(**{**GENERATIONS[generation], **overrides}))
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["authorization"] = f"Bearer {token}"
            yield client

    return make


FIXTURES = Path(__file__).parent / "fixtures"
