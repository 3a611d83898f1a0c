"""Start the stack exactly as `make run` does (same command, ports shifted so a running dev stack is untouched)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tripsage_devstack.harness import RunningStack, running_stack
from tripsage_devstack.topology import ALL_SERVICES

OFFSET = int(os.environ.get("TRIPSAGE_E2E_PORT_OFFSET", "20000"))
# Which provider serves each domain: the stack's services read these same variables (`make e2e-duffel` sets them).
PROVIDERS = {
    "flights": os.environ.get("FLIGHTS_PROVIDER", "amadeus"),
    "stays": os.environ.get("STAYS_PROVIDER", "amadeus"),
}
REPO = Path(__file__).resolve().parent.parent
# Seconds for a Redis operation instead of production's 50 ms: on a busy machine a slow event loop must not close a
# cache's gate and turn a hit the tests expect into a miss (docs/architecture.md, "Tests and time").
PATIENT_CACHE = {f"{service.env_prefix}_CACHE_OP_TIMEOUT_S": "2" for service in ALL_SERVICES}


def _distinctive(kind: str) -> str:
    # Random per session and unlike anything else a log holds, so finding one anywhere is proof of a leak.
    return f"e2e-{kind}-{secrets.token_hex(16)}"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    # Only around the commands that need them: unit tests sharing this pytest process must not see them.
    with pytest.MonkeyPatch.context() as environment:
        for name, value in values.items():
            environment.setenv(name, value)
        yield


@dataclass
class SecretStack(RunningStack):  # type: ignore[misc,unused-ignore]  # devstack may be untyped here
    """The running stack, whose `token()` signs with the stack's JWT secret through `make token`'s command."""

    jwt_secret: str = field(default="", repr=False)

    def token(self, sub: str = "dev-user") -> str:
        with _environment({"GATEWAY_JWT_SECRET": self.jwt_secret}):
            token: str = super().token(sub)
        return token


@pytest.fixture(scope="session")
def providers() -> dict[str, str]:
    """The provider each domain runs on in this stack, by domain ("flights", "stays")."""
    return dict(PROVIDERS)


@pytest.fixture(scope="session")
def stack_secrets() -> dict[str, str]:
    """The secret env values the stack runs with: one JWT secret shared by every service, and provider keys."""
    jwt_secret = _distinctive("jwt")
    values = {f"{service.env_prefix}_JWT_SECRET": jwt_secret for service in ALL_SERVICES}
    for prefix in ("FLIGHTS", "STAYS"):
        values[f"{prefix}_AMADEUS_CLIENT_ID"] = _distinctive(f"{prefix.lower()}-amadeus-id")
        values[f"{prefix}_AMADEUS_CLIENT_SECRET"] = _distinctive(f"{prefix.lower()}-amadeus-secret")
        values[f"{prefix}_DUFFEL_ACCESS_TOKEN"] = "duffel_test_" + _distinctive(f"{prefix.lower()}-duffel-token")
    values["MAPS_GOOGLE_API_KEY"] = "AIza" + _distinctive("google-key")  # the service checks the AIza prefix
    values["WEATHER_OWM_API_KEY"] = _distinctive("owm-key")
    values["MEMORY_EMBEDDER_API_KEY"] = _distinctive("embedder-key")
    values["MEMORY_LLM_API_KEY"] = _distinctive("llm-key")
    return values


@pytest.fixture(scope="session")
def stack(stack_secrets: dict[str, str]) -> Iterator[RunningStack]:
    # Not under pytest's tmp_path: a concurrent pytest run prunes old basetemps, Postgres data dir included.
    # The secrets reach supervisord, hence every process, through the environment it starts with (never
    # through supervisord.conf).
    with tempfile.TemporaryDirectory(prefix="tripsage-e2e-") as run_dir, ExitStack() as running_context:
        with _environment({**stack_secrets, **PATIENT_CACHE}):
            running = running_context.enter_context(running_stack(offset=OFFSET, run_dir=Path(run_dir), cwd=REPO))
        yield SecretStack(
            running.topology, running.run_dir, running.startup_s, jwt_secret=stack_secrets["GATEWAY_JWT_SECRET"]
        )
