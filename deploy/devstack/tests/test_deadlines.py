"""Deadlines nest across hops: the gateway waits longer than a service's provider budget, and the budget is longer than
one provider attempt, so every timeout is answered by the hop that knows why (read from each service's settings)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tripsage_core.manifest import SERVICES
from tripsage_flights.config import FlightsSettings
from tripsage_gateway.config import GatewaySettings
from tripsage_maps.config import MapsSettings
from tripsage_memory.config import MemorySettings
from tripsage_stays.config import StaysSettings
from tripsage_weather.config import WeatherSettings

Budget = tuple[float, tuple[float, ...]]

# Development settings pointed at a sandbox, as `make run` starts them: defaults otherwise.
_SANDBOX = {"provider_base_url": "http://127.0.0.1:8100"}


def _amadeus(settings: FlightsSettings | StaysSettings) -> Budget:
    return settings.provider_timeout_s, (settings.provider_attempt_timeout_s,)


def _weather() -> Budget:
    settings = WeatherSettings(**_SANDBOX)
    return settings.provider_timeout_s, (settings.provider_connect_timeout_s,)


def _memory() -> Budget:
    settings = MemorySettings(**_SANDBOX, database_url="postgresql://postgres@127.0.0.1:5433/tripsage")
    return settings.request_budget_s, (settings.embedder_timeout_s, settings.llm_timeout_s)


# service -> its budget for one provider call, retries included, and the longest one attempt may take within it.
# maps runs each attempt under the budget itself; time has no provider (offline polygons).
BUDGETS: dict[str, Callable[[], Budget]] = {
    "flights": lambda: _amadeus(FlightsSettings(**_SANDBOX)),
    "stays": lambda: _amadeus(StaysSettings(**_SANDBOX)),
    "maps": lambda: (MapsSettings(**_SANDBOX).provider_timeout_s, ()),
    "weather": _weather,
    "memory": _memory,
    "time": lambda: (0.0, ()),
}


def test_every_routed_service_has_its_budget_declared_here() -> None:
    assert {spec.name for spec in SERVICES if spec.path_prefixes} == set(BUDGETS)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_gateway_deadline_exceeds_the_services_budget_which_exceeds_one_attempt(name: str) -> None:
    gateway = GatewaySettings()
    deadline = gateway.upstream_timeouts_s.get(name, gateway.upstream_timeout_s)
    budget, attempts = BUDGETS[name]()
    assert deadline > budget, f"gateway gives {name} {deadline} s, not more than its own budget {budget} s"
    assert all(budget > attempt for attempt in attempts), f"{name}: an attempt {attempts} outlasts its budget {budget}"
