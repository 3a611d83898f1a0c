"""A bounded mixed load through the gateway: searches, trips, items, memories, briefs and time, on loopback only."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tripsage_chaos.ledger import Ledger

CLIENT_TIMEOUT_S = 15.0  # far above every server-side budget: a request that reaches it is a hang


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request as the client saw it; status 0 is a transport error named in `error`."""

    kind: str
    status: int
    started: float
    elapsed_s: float
    error: str | None = None
    cache: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def label(self) -> str:
        return str(self.status) if self.status else (self.error or "error")


# Which kinds depend on what: the goals of each phase are stated over these groups.
DATABASE_KINDS = frozenset({"trip_write", "trip_read", "item_write", "memory_write", "memory_search", "brief"})
AMADEUS_CACHED_KINDS = frozenset({"flights_cached", "stays_cached"})
AMADEUS_FRESH_KINDS = frozenset({"flights_fresh"})
FLIGHTS_KINDS = frozenset({"flights_cached", "flights_fresh"})

# Relative weights of the mix: mostly cached searches and reads, as an app's traffic is.
MIX: dict[str, int] = {
    "time": 10,
    "flights_cached": 14,
    "stays_cached": 10,
    "maps_cached": 8,
    "weather_cached": 8,
    "flights_fresh": 6,
    "trip_write": 10,
    "trip_read": 10,
    "item_write": 5,
    "memory_write": 3,
    "memory_search": 5,
    "brief": 5,
}
_KINDS = list(MIX)
_WEIGHTS = list(MIX.values())


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def trip_body(key: str) -> dict[str, Any]:
    """The body of the trip written with Idempotency-Key `key` (the same for every retry of it)."""
    offset = 20 + int(key[:4], 16) % 200
    return {
        "name": f"chaos {key}",
        "origin": "SFO",
        "travelers": 1,
        "destination": {"text": "Tokyo", "lat": 35.6812, "lon": 139.7671},
        "start_date": _day(offset),
        "end_date": _day(offset + 3),
    }


@dataclass
class Workload:
    """The requests of the mix against one gateway, recording what each write created in the ledger."""

    client: httpx.AsyncClient
    ledger: Ledger
    brief_trip_id: str
    item_trip_id: str
    rng: random.Random = field(default_factory=lambda: random.Random(11))  # noqa: S311 - a load mix, not crypto
    _fresh: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000))

    def cached_requests(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The fixed queries of the cached kinds: warmed before each phase, so a provider fault can serve them."""
        return [
            (
                "flights_cached",
                "/v1/flights/search",
                {"origin": "JFK", "destination": "LHR", "departure_date": _day(30), "adults": 1},
            ),
            (
                "stays_cached",
                "/v1/stays/search",
                {"city_code": "PAR", "check_in": _day(30), "check_out": _day(33), "adults": 2},
            ),
            ("maps_cached", "/v1/maps/geocode", {"address": "Kyoto"}),
            ("weather_cached", "/v1/weather/forecast", {"lat": 35.01, "lon": 135.77, "days": 5}),
        ]

    async def one(self, kind: str) -> Outcome:
        started = time.monotonic()
        try:
            response = await self._send(kind)
        except httpx.TimeoutException:
            return Outcome(kind, 0, started, time.monotonic() - started, error="timeout")
        except httpx.HTTPError as exc:
            return Outcome(kind, 0, started, time.monotonic() - started, error=type(exc).__name__)
        return Outcome(
            kind, response.status_code, started, time.monotonic() - started, cache=response.headers.get("x-cache")
        )

    async def _send(self, kind: str) -> httpx.Response:
        cached = {name: (path, params) for name, path, params in self.cached_requests()}
        if kind in cached:
            path, params = cached[kind]
            return await self.client.get(path, params=params)
        senders: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
            "time": lambda: self.client.get("/v1/time/timezone", params={"lat": 35.68, "lon": 139.69}),
            "flights_fresh": self._fresh_flights,
            "trip_write": self._write_trip,
            "trip_read": self._read_trip,
            "item_write": self._write_item,
            "memory_write": self._write_memory,
            "memory_search": lambda: self.client.get("/v1/memories/search", params={"q": "what do I like to eat"}),
            "brief": lambda: self.client.get(f"/v1/trips/{self.brief_trip_id}/brief"),
        }
        return await senders[kind]()

    async def _fresh_flights(self) -> httpx.Response:
        # A new max_price each time: a query no cache has seen, so it must reach the provider. (Kept low: a cap
        # above every fare is normalised away and would share the cached answer.)
        params: dict[str, Any] = {"origin": "JFK", "destination": "LHR", "departure_date": _day(30), "adults": 1}
        return await self.client.get("/v1/flights/search", params={**params, "max_price": next(self._fresh)})

    async def write_trip(self, key: str) -> httpx.Response:
        """POST one trip under `key`; the ledger learns the answer, so a failed key is retried later."""
        self.ledger.trip_keys.add(key)
        response = await self.client.post("/v1/trips", json=trip_body(key), headers={"Idempotency-Key": key})
        if response.status_code == 201:
            self.ledger.record_trip(key, response.json()["id"])
        return response

    async def _write_trip(self) -> httpx.Response:
        return await self.write_trip(uuid.uuid4().hex)

    async def _read_trip(self) -> httpx.Response:
        trip_id = self.ledger.any_trip(self.rng) or self.item_trip_id
        return await self.client.get(f"/v1/trips/{trip_id}")

    async def _write_item(self) -> httpx.Response:
        ref = f"SBX_chaos_{uuid.uuid4().hex[:12]}"
        response = await self.client.post(
            f"/v1/trips/{self.item_trip_id}/items", json={"kind": "place", "ref": ref, "title": f"Place {ref}"}
        )
        if response.status_code == 201:
            self.ledger.item_ids.add(response.json()["id"])
        return response

    async def _write_memory(self) -> httpx.Response:
        text = f"I like ramen with extra {uuid.uuid4().hex[:8]} on top"
        response = await self.client.post("/v1/memories", json={"text": text})
        if response.status_code == 201:
            self.ledger.memory_ids.update(m["id"] for m in response.json().get("results", []))
        return response

    def pick(self) -> str:
        return self.rng.choices(_KINDS, weights=_WEIGHTS)[0]
