"""A known dataset, written through the public API as users would write it: trips, saved items, memories."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

_CITIES = ("Tokyo", "Lisbon", "Oaxaca", "Reykjavik", "Hanoi", "Marrakesh", "Cusco", "Kyoto", "Tbilisi", "Porto")
_FACTS = (
    "I prefer an aisle seat on flights longer than {hours} hours.",
    "I am allergic to peanuts, so street food in {city} needs care.",
    "I loved the night markets in {city} and want more of them.",
    "My budget for a hotel night in {city} is about {price} dollars.",
    "I travel with a folding bike and need hotels in {city} with storage.",
    "Museums in {city} bored me; I prefer hiking outside town.",
    "I only eat vegetarian food, also when travelling to {city}.",
    "Early morning flights make me miserable; depart after {hours} am.",
)
# Asked of every user before the backup and after the restore: the answers must not change.
QUERIES = ("what food should I avoid", "which seat do I like on a plane", "where do I like to go at night")


@dataclass(frozen=True, slots=True)
class DatasetSize:
    users: int = 3
    trips_per_user: int = 5
    items_per_trip: int = 2
    memories_per_user: int = 8


@dataclass(frozen=True, slots=True)
class IdempotentCreate:
    user: str
    key: str
    body: dict[str, Any]
    trip_id: str


@dataclass
class Dataset:
    """What was written, so the restored stack can be asked the same questions."""

    users: list[str]
    trips: dict[str, list[str]] = field(default_factory=dict)
    idempotent: list[IdempotentCreate] = field(default_factory=list)
    items: int = 0
    memories: int = 0


def _trip_body(user_index: int, trip_index: int) -> dict[str, Any]:
    start = dt.date(2027, 1, 1) + dt.timedelta(days=7 * trip_index + user_index)
    city = _CITIES[(user_index + trip_index) % len(_CITIES)]
    return {
        "name": f"{city} #{trip_index}",
        "destination": city,
        "origin": "SFO",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=5)).isoformat(),
        "travelers": 1 + trip_index % 4,
        "budget": {"amount": f"{1000 + 150 * trip_index}.00", "currency": "USD"},
        "notes": f"drill trip {trip_index} of user {user_index}",
    }


def _memory_text(user_index: int, memory_index: int) -> str:
    fact = _FACTS[(user_index + memory_index) % len(_FACTS)]
    city = _CITIES[(3 * user_index + memory_index) % len(_CITIES)]
    return fact.format(city=city, hours=4 + memory_index % 7, price=90 + 10 * memory_index)


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code}")
    body: dict[str, Any] = response.json()
    return body


def seed(client: httpx.Client, headers_of: Callable[[str], dict[str, str]], size: DatasetSize) -> Dataset:
    """Create every user's trips (the first with an Idempotency-Key), their saved items, and their memories."""
    run = uuid.uuid4().hex[:8]
    dataset = Dataset(users=[f"drill-{run}-user{n}" for n in range(size.users)])
    for user_index, user in enumerate(dataset.users):
        headers = headers_of(user)
        trips = dataset.trips.setdefault(user, [])
        for trip_index in range(size.trips_per_user):
            body = _trip_body(user_index, trip_index)
            key = f"drill-{run}-{user_index}-{trip_index}" if trip_index == 0 else None
            extra = {"Idempotency-Key": key} if key else {}
            trip = _created(client.post("/v1/trips", json=body, headers={**headers, **extra}))
            trips.append(trip["id"])
            if key:
                dataset.idempotent.append(IdempotentCreate(user, key, body, trip["id"]))
            for item_index in range(size.items_per_trip):
                item = {
                    "kind": "place",
                    "ref": f"SBX_drill_{item_index}",
                    "title": f"Stop {item_index} in {body['name']}",
                }
                _created(client.post(f"/v1/trips/{trip['id']}/items", json=item, headers=headers))
                dataset.items += 1
        for memory_index in range(size.memories_per_user):
            memory = {"text": _memory_text(user_index, memory_index), "metadata": {"category": "preference"}}
            dataset.memories += len(_created(client.post("/v1/memories", json=memory, headers=headers))["results"])
    return dataset


def search_answers(
    client: httpx.Client, headers_of: Callable[[str], dict[str, str]], users: list[str]
) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Every user's top five memories for each query: ids and scores (rounded past float noise)."""
    answers = {}
    for user in users:
        for query in QUERIES:
            response = client.get("/v1/memories/search", params={"q": query, "limit": 5}, headers=headers_of(user))
            response.raise_for_status()
            answers[(user, query)] = [(hit["id"], round(hit["score"], 5)) for hit in response.json()["results"]]
    return answers
