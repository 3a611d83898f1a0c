"""The trip brief's fan-out against real HTTP services whose delays and failures a test sets."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_gateway.app import create_app
from tripsage_gateway.config import DEFAULT_UPSTREAMS, GatewaySettings
from tripsage_testing.servers import serve_in_thread

ALICE = {"authorization": f"Bearer {mint_token(sub='alice', secret=DEVELOPMENT_JWT_SECRET)}"}
BOB = {"authorization": f"Bearer {mint_token(sub='bob', secret=DEVELOPMENT_JWT_SECRET)}"}
START = dt.date.today() + dt.timedelta(days=60)
ANSWERS: dict[str, dict[str, Any]] = {
    "/v1/maps/geocode": {
        "results": [{"formatted_address": "Tokyo, Japan", "location": {"lat": 35.68, "lon": 139.69}}],
        "meta": {"cache": "miss"},
    },
    "/v1/time/timezone": {"timezone": "Asia/Tokyo", "utc_offset": "+09:00"},
    "/v1/weather/trip": {"days": [{"date": START.isoformat(), "status": "forecast"}], "meta": {"cache": "miss"}},
    "/v1/stays/search": {"hotels": [{"name": f"Hotel {n}"} for n in range(8)], "meta": {"cache": "miss"}},
    "/v1/flights/locations": {
        "locations": [
            {"iata_code": "HND", "sub_type": "AIRPORT", "city_code": "TYO"},
            {"iata_code": "TYO", "sub_type": "CITY"},
        ],
        "meta": {"cache": "hit"},
    },
    "/v1/flights/search": {"offers": [{"id": "o1", "price": {"total": 812.4}}], "count": 1, "meta": {"cache": "miss"}},
}


class Domains:
    """One real HTTP server standing in for the five services, answering each path as a test says."""

    def __init__(self) -> None:
        self.delay_s: dict[str, float] = {}
        # Routes that answer only once all of them have arrived: calls made in a row would never all arrive.
        self.together: set[str] = set()
        self.arrived: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self._all_arrived = asyncio.Event()
        self.status: dict[str, int] = {}
        self.queries: dict[str, dict[str, str]] = {}
        self.headers: dict[str, dict[str, str]] = {}
        # A route answering by its query (status, body), instead of ANSWERS.
        self.by_query: dict[str, Callable[[dict[str, str]], tuple[int, dict[str, Any]]]] = {}
        self.calls: dict[str, int] = {}
        self.app = FastAPI()

        @self.app.get("/{path:path}")
        async def answer(path: str, request: Request) -> JSONResponse:
            route = "/" + path
            self.queries[route] = dict(request.query_params)
            self.headers[route] = dict(request.headers)
            self.calls[route] = self.calls.get(route, 0) + 1
            self.arrived[route] = time.monotonic()
            if route in self.together:
                if self.together <= self.arrived.keys():
                    self._all_arrived.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._all_arrived.wait(), 30)
            await asyncio.sleep(self.delay_s.get(route, 0.0))
            self.answered[route] = time.monotonic()
            if route in self.by_query:
                code, body = self.by_query[route](self.queries[route])
                media_type = "application/json" if code < 400 else "application/problem+json"
                return JSONResponse(body, status_code=code, media_type=media_type)
            status = self.status.get(route, 200)
            if status != 200:
                return JSONResponse(
                    {"type": "about:blank", "title": "Down", "status": status, "detail": "down"},
                    status_code=status,
                    media_type="application/problem+json",
                )
            cache = "stale" if self.status.get(route + "#stale") else "miss"
            return JSONResponse(ANSWERS[route], headers={"X-Cache": cache})


@pytest.fixture
def domains() -> Iterator[tuple[Domains, str]]:
    server = Domains()
    with serve_in_thread(server.app) as base_url:
        yield server, base_url


@pytest.fixture
def section_budget_s() -> float:
    """Far above any load delay of the local stand-in, so that only a section a test slows down is cut."""
    return 10.0


@pytest.fixture
def gateway(domains: tuple[Domains, str], migrated_database: str, section_budget_s: float) -> Iterator[TestClient]:
    base_url = domains[1]
    upstreams = dict.fromkeys(DEFAULT_UPSTREAMS, base_url)
    settings = GatewaySettings(
        upstreams=upstreams, database_url=migrated_database, brief_section_timeout_s=section_budget_s, access_log=False
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _trip(gateway: TestClient) -> str:
    body = {
        "name": "Tokyo",
        "destination": "Tokyo",
        "origin": "SFO",
        "start_date": START.isoformat(),
        "end_date": (START + dt.timedelta(days=7)).isoformat(),
        "travelers": 2,
    }
    trip_id: str = gateway.post("/v1/trips", json=body, headers=ALICE).json()["id"]
    return trip_id


def test_every_section_is_ok_and_sections_ask_for_the_trips_facts(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    server, _ = domains
    brief = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE)
    body = brief.json()
    assert brief.status_code == 200
    assert {name: body[name]["status"] for name in ("destination", "local_time", "weather", "stays", "flights")} == {
        "destination": "ok",
        "local_time": "ok",
        "weather": "ok",
        "stays": "ok",
        "flights": "ok",
    }
    assert len(body["stays"]["data"]["hotels"]) == 5  # the top few, not the whole search
    assert server.queries["/v1/flights/search"]["destination"] == "TYO"
    assert server.queries["/v1/flights/search"]["origin"] == "SFO"
    assert server.queries["/v1/stays/search"]["adults"] == "2"
    assert server.queries["/v1/weather/trip"]["start"] == START.isoformat()
    assert server.queries["/v1/time/timezone"] == {"lat": "35.68", "lon": "139.69"}


def test_every_section_call_carries_the_callers_token_canary_header_request_id_and_trace(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    server, _ = domains
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    caller = {**ALICE, "x-tripsage-canary": "always", "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    brief = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=caller)
    assert brief.status_code == 200
    assert set(server.headers) == set(ANSWERS)
    for route, headers in server.headers.items():
        assert headers["authorization"] == ALICE["authorization"], route
        assert headers["x-tripsage-canary"] == "always", route
        assert headers["x-request-id"] == brief.headers["x-request-id"], route
        assert headers["traceparent"].split("-")[1] == trace_id, route


def test_a_failing_section_never_fails_the_brief(gateway: TestClient, domains: tuple[Domains, str]) -> None:
    server, _ = domains
    server.status["/v1/weather/trip"] = 503
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert body["weather"]["status"] == "unavailable"
    assert body["weather"]["problem"]["status"] == 503
    assert [body[n]["status"] for n in ("destination", "local_time", "stays", "flights")] == ["ok"] * 4


def test_a_stale_section_says_so(gateway: TestClient, domains: tuple[Domains, str]) -> None:
    server, _ = domains
    server.status["/v1/weather/trip#stale"] = 1
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert body["weather"]["status"] == "stale"
    assert body["weather"]["data"]["days"]


def test_the_brief_calls_its_sections_side_by_side_not_in_a_row(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    # Asserted on the order of events, not on a total duration that a busy machine stretches: each section's call
    # must reach its service before any of them is answered. In a row, the first would wait for the others until its
    # budget cut it.
    server, _ = domains
    server.together = {"/v1/time/timezone", "/v1/weather/trip", "/v1/stays/search", "/v1/flights/search"}
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert all(body[n]["status"] == "ok" for n in ("local_time", "weather", "stays", "flights"))
    assert max(server.arrived[r] for r in server.together) < min(server.answered[r] for r in server.together)


@pytest.mark.parametrize("section_budget_s", [3.0])
def test_a_slow_section_is_cut_at_its_budget(gateway: TestClient, domains: tuple[Domains, str]) -> None:
    server, _ = domains
    server.delay_s["/v1/stays/search"] = 60.0
    trip_id = _trip(gateway)
    started = time.perf_counter()
    body = gateway.get(f"/v1/trips/{trip_id}/brief", headers=ALICE).json()
    # Far below the section's 60 s, far above its 3 s budget: machine load cannot move the verdict.
    assert time.perf_counter() - started < 30.0
    assert body["stays"]["status"] == "unavailable"
    assert body["stays"]["problem"]["status"] == 504
    assert body["weather"]["status"] == "ok"


def test_an_unlocatable_destination_leaves_the_located_sections_unavailable(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    server, _ = domains
    server.status["/v1/maps/geocode"] = 503
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert [body[n]["status"] for n in ("destination", "local_time", "weather", "stays")] == ["unavailable"] * 4
    assert body["flights"]["status"] == "ok"  # flights need only the destination's name


def test_another_users_brief_is_404(gateway: TestClient) -> None:
    assert gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=BOB).status_code == 404


def _no_airport_by_name(near: tuple[int, dict[str, Any]]) -> Callable[[dict[str, str]], tuple[int, dict[str, Any]]]:
    """The flights service knowing no airport by the destination's name, and answering `near` given its point."""

    def answer(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return near if "lat" in query else (200, {"locations": [], "meta": {"cache": "miss"}})

    return answer


def test_a_destination_without_an_airport_is_flown_to_through_the_airports_near_it(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    server, _ = domains
    nearby = [
        {"iata_code": "ITM", "sub_type": "AIRPORT", "city_code": "OSA", "distance_km": 39.2},
        {"iata_code": "KIX", "sub_type": "AIRPORT", "city_code": "OSA", "distance_km": 80.7},
    ]
    server.by_query["/v1/flights/locations"] = _no_airport_by_name((200, {"locations": nearby, "meta": {}}))
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert body["flights"]["status"] == "ok"
    assert server.calls["/v1/flights/locations"] == 2
    # Asked again at the geocoded point, then flown to the city code covering both airports.
    assert server.queries["/v1/flights/locations"] == {"q": "Tokyo", "lat": "35.68", "lon": "139.69"}
    assert server.queries["/v1/flights/search"]["destination"] == "OSA"


def test_a_destination_with_no_airport_in_reach_is_the_flights_services_404_not_a_502(
    gateway: TestClient, domains: tuple[Domains, str]
) -> None:
    server, _ = domains
    problem = {
        "type": "https://tripsage.dev/problems/no-airport-in-reach",
        "title": "Not Found",
        "status": 404,
        "detail": "No airport serves 'Tokyo': none lies within 150 km of it.",
    }
    server.by_query["/v1/flights/locations"] = _no_airport_by_name((404, problem))
    body = gateway.get(f"/v1/trips/{_trip(gateway)}/brief", headers=ALICE).json()
    assert body["flights"]["status"] == "unavailable"
    assert body["flights"]["problem"] == problem
    assert "/v1/flights/search" not in server.queries
    assert body["stays"]["status"] == "ok"
