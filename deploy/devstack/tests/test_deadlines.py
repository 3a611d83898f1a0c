"""Deadlines nest across hops: the mesh's timeout (the charts' VirtualService) is longer than the gateway's deadline,
which is longer than a service's provider budget, which is longer than one provider attempt, so every timeout is
answered by the hop that knows why (read from each service's settings and chart)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tripsage_core.manifest import SERVICES
from tripsage_flights.config import FlightsSettings
from tripsage_gateway.config import GatewaySettings
from tripsage_maps.config import MapsSettings
from tripsage_memory.config import MemorySettings
from tripsage_stays.config import StaysSettings
from tripsage_weather.config import WeatherSettings

Budget = tuple[float, tuple[float, ...]]
CHARTS = Path(__file__).resolve().parents[3] / "helm"

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


def _mesh_timeout_s(service: str) -> float:
    """The chart's VirtualService timeout (values.yaml istio.timeout, an Istio duration such as 11s or 500ms)."""
    duration = yaml.safe_load((CHARTS / service / "values.yaml").read_text())["istio"]["timeout"]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", duration)
    assert match, f"{service}: istio.timeout {duration!r} is not a duration in s or ms"
    return float(match[1]) / (1000 if match[2] == "ms" else 1)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_the_mesh_timeout_exceeds_the_gateway_deadline_so_the_gateway_answers_first(name: str) -> None:
    """Envoy cutting a call before the gateway's deadline would answer with its bare 504 while the service may
    still finish (memory: store a write), and the gateway could not say which upstream failed or why."""
    gateway = GatewaySettings()
    deadline = gateway.upstream_timeouts_s.get(name, gateway.upstream_timeout_s)
    assert _mesh_timeout_s(name) > deadline > BUDGETS[name]()[0]


def test_the_mesh_timeout_of_the_gateway_exceeds_its_longest_upstream_deadline() -> None:
    gateway = GatewaySettings()
    longest = max([gateway.upstream_timeout_s, *gateway.upstream_timeouts_s.values()])
    assert _mesh_timeout_s("gateway") > longest
