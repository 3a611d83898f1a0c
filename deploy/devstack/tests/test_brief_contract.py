"""The trip brief's calls and the answers it reads, checked against each service's own OpenAPI.

The brief (gateway) runs against the real flights, stays, maps, weather and time apps over real HTTP, their providers
the sandbox; each service's OpenAPI is generated from its own app factory. A renamed parameter, a moved path or a
reshaped answer in a service fails here, not in production.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from jsonschema import Draft202012Validator

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_flights.app import create_app as flights_app
from tripsage_flights.config import FlightsSettings
from tripsage_gateway.trips.brief import BriefBuilder, SectionStatus, TripBrief
from tripsage_gateway.trips.schemas import Destination, Trip
from tripsage_http import ServiceClient
from tripsage_maps.app import create_app as maps_app
from tripsage_maps.config import MapsSettings
from tripsage_stays.app import create_app as stays_app
from tripsage_stays.config import StaysSettings
from tripsage_testing.sandbox import RunningSandbox
from tripsage_testing.servers import serve_in_thread
from tripsage_time.app import create_app as time_app
from tripsage_time.config import TimeSettings
from tripsage_weather.app import create_app as weather_app
from tripsage_weather.config import WeatherSettings

# The brief's section -> the path it calls (what the brief reads of each answer is in trips/brief.py).
SECTION_PATHS = {
    "destination": "/v1/maps/geocode",
    "local_time": "/v1/time/timezone",
    "weather": "/v1/weather/trip",
    "stays": "/v1/stays/search",
    "flights": "/v1/flights/search",
}


@dataclass(frozen=True, slots=True)
class Call:
    service: str
    path: str
    query: dict[str, str]
    status: int


@dataclass(slots=True)
class Services:
    urls: dict[str, str]
    documents: dict[str, dict[str, Any]]
    calls: list[Call]


def _recording(name: str, app: FastAPI, calls: list[Call]) -> FastAPI:
    @app.middleware("http")
    async def record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/v1/"):
            calls.append(Call(name, request.url.path, dict(request.query_params), response.status_code))
        return response

    return app


# Module scope: the five apps start once for both tests (the brief is built once; both read the same calls).
@pytest.fixture(scope="module")
def services(sandbox_process: RunningSandbox, redis_url: str) -> Iterator[Services]:
    common: dict[str, Any] = {"environment": "test", "redis_url": redis_url, "access_log": False}
    # Generous budgets: this test is about shapes, and its verdict must not depend on how busy the machine is.
    provided = {**common, "provider_base_url": sandbox_process.url, "provider_timeout_s": 8.0}
    apps = {
        "flights": flights_app(FlightsSettings(_env_file=None, **provided)),
        "stays": stays_app(StaysSettings(_env_file=None, **provided)),
        "maps": maps_app(MapsSettings(_env_file=None, **provided)),
        "weather": weather_app(WeatherSettings(_env_file=None, **provided)),
        "time": time_app(TimeSettings(_env_file=None, **common)),
    }
    calls: list[Call] = []
    with ExitStack() as stack:
        urls = {
            name: stack.enter_context(serve_in_thread(_recording(name, app, calls), ready_path="/health"))
            for name, app in apps.items()
        }
        yield Services(urls, {name: app.openapi() for name, app in apps.items()}, calls)


@pytest.fixture(scope="module")
async def brief(services: Services) -> AsyncIterator[TripBrief]:
    clients = {name: ServiceClient(name=name, base_url=url, timeout_s=10.0) for name, url in services.urls.items()}
    start = dt.date.today() + dt.timedelta(days=2)
    now = dt.datetime.now(dt.UTC)
    trip = Trip(
        id=uuid.uuid4(),
        name="Tokyo",
        destination=Destination(text="Tokyo"),
        origin="SFO",
        start_date=start,
        end_date=start + dt.timedelta(days=3),
        travelers=2,
        budget=None,
        notes=None,
        created_at=now,
        updated_at=now,
    )
    token = mint_token(sub="contract-tester", secret=DEVELOPMENT_JWT_SECRET)
    try:
        builder = BriefBuilder(clients, section_timeout_s=10.0)
        yield await builder.build(trip, incoming={"authorization": f"Bearer {token}"}, request_id="contract")
    finally:
        for client in clients.values():
            await client.aclose()


def _operation(document: dict[str, Any], path: str) -> dict[str, Any]:
    assert path in document["paths"], f"{path} is not in the service's OpenAPI"
    operation: dict[str, Any] = document["paths"][path]["get"]
    return operation


def _answer_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    schema = _operation(document, path)["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": document.get("components", {})}


def test_every_call_of_the_brief_is_a_declared_operation_with_declared_parameters(
    brief: TripBrief, services: Services
) -> None:
    assert {call.path for call in services.calls} >= set(SECTION_PATHS.values()) | {"/v1/flights/locations"}
    for call in services.calls:
        parameters = _operation(services.documents[call.service], call.path).get("parameters", [])
        declared = {p["name"] for p in parameters if p["in"] == "query"}
        required = {p["name"] for p in parameters if p["in"] == "query" and p.get("required")}
        assert set(call.query) <= declared, f"{call.path}: undeclared {set(call.query) - declared}"
        assert required <= set(call.query), f"{call.path}: missing required {required - set(call.query)}"
        assert call.status == 200, call


def test_every_answer_the_brief_reads_matches_its_services_schema(brief: TripBrief, services: Services) -> None:
    for section, path in SECTION_PATHS.items():
        part = getattr(brief, section)
        assert part.status is SectionStatus.OK, (section, part.problem)
        service = path.split("/")[2]
        errors = list(Draft202012Validator(_answer_schema(services.documents[service], path)).iter_errors(part.data))
        assert errors == [], (section, [error.message for error in errors])
    # What the brief picked out of an answer is what it asked the next service with.
    timezone = next(call for call in services.calls if call.path == "/v1/time/timezone")
    located = (brief.destination.data or {})["results"][0]["location"]
    assert (float(timezone.query["lat"]), float(timezone.query["lon"])) == (located["lat"], located["lon"])
