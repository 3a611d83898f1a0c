"""User B can neither see nor touch user A's trips, items or memories, by any route, via the gateway or directly.

Every refusal is 404 (never 403, which would confirm the id exists), and A's data is checked unchanged afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tripsage_core.manifest import service
from tripsage_devstack.harness import RunningStack

PROBLEM = "application/problem+json"
MEMORY_PORT = service("memory").port


@dataclass(frozen=True)
class Owner:
    """User A and what A owns, as A sees it before the attack."""

    headers: dict[str, str]
    trip: dict[str, Any]
    items: list[dict[str, Any]]
    memories: list[dict[str, Any]]

    @property
    def trip_id(self) -> str:
        return str(self.trip["id"])

    @property
    def item_ids(self) -> list[str]:
        return [str(item["id"]) for item in self.items]

    @property
    def memory_ids(self) -> list[str]:
        return [str(memory["id"]) for memory in self.memories]


def _bearer(stack: RunningStack, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.token(f'{who}-{uuid.uuid4().hex[:8]}')}"}


def _trip_body(name: str) -> dict[str, Any]:
    start = dt.date.today() + dt.timedelta(days=90)
    return {
        "name": name,
        "destination": "Lisbon",
        "origin": "JFK",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=5)).isoformat(),
        "travelers": 2,
        "notes": "A's private notes",
    }


@pytest.fixture(scope="module")
def gateway(stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.topology.gateway_url, trust_env=False, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def memory_direct(stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.topology.url(MEMORY_PORT), trust_env=False, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def owner(stack: RunningStack, gateway: httpx.Client) -> Owner:
    headers = _bearer(stack, "isolation-a")
    trip = gateway.post(
        "/v1/trips", json=_trip_body("A's Lisbon"), headers={**headers, "Idempotency-Key": "shared-key"}
    )
    assert trip.status_code == 201, trip.text
    trip_id = trip.json()["id"]
    items = []
    for body in (
        {"kind": "place", "ref": "SBX_belem", "title": "Belém Tower"},
        {
            "kind": "stay",
            "ref": "SBX_hotel_1",
            "title": "Hotel Avenida",
            "price": {"amount": "180.00", "currency": "EUR"},
        },
    ):
        item = gateway.post(f"/v1/trips/{trip_id}/items", json=body, headers=headers)
        assert item.status_code == 201, item.text
        items.append(item.json())
    memories = []
    for text in ("I am vegetarian and allergic to peanuts.", "I prefer aisle seats on long flights."):
        added = gateway.post(
            "/v1/memories",
            json={"text": text, "metadata": {"trip_id": trip_id, "category": "preference"}},
            headers=headers,
        )
        assert added.status_code == 201, added.text
        memories += added.json()["results"]
    return Owner(headers=headers, trip=trip.json(), items=items, memories=memories)


@pytest.fixture(scope="module")
def intruder(stack: RunningStack, gateway: httpx.Client) -> tuple[dict[str, str], str]:
    """User B, with a trip and a memory of B's own (so B's lists are not trivially empty)."""
    headers = _bearer(stack, "isolation-b")
    trip = gateway.post("/v1/trips", json=_trip_body("B's Porto"), headers=headers)
    assert trip.status_code == 201, trip.text
    added = gateway.post("/v1/memories", json={"text": "I like window seats."}, headers=headers)
    assert added.status_code == 201, added.text
    return headers, str(trip.json()["id"])


def _refusal(response: httpx.Response, secrets: list[str]) -> str | None:
    """None if this is the 404 problem that leaks nothing; otherwise what is wrong with it."""
    if response.status_code != 404:
        return f"{response.status_code} {response.text[:160]}"
    if response.headers.get("content-type") != PROBLEM:
        return f"404 but {response.headers.get('content-type')}"
    leaked = [s for s in secrets if s in response.text]
    return f"404 that names {leaked}" if leaked else None


def test_b_cannot_read_change_delete_or_attach_to_as_trip_or_items(
    gateway: httpx.Client, owner: Owner, intruder: tuple[dict[str, str], str]
) -> None:
    b, b_trip = intruder
    trip, item = owner.trip_id, owner.item_ids[0]
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/v1/trips/{trip}", None),
        ("PATCH", f"/v1/trips/{trip}", {"name": "pwned", "notes": "B was here"}),
        ("DELETE", f"/v1/trips/{trip}", None),
        ("GET", f"/v1/trips/{trip}/brief", None),
        ("GET", f"/v1/trips/{trip}/items", None),
        ("POST", f"/v1/trips/{trip}/items", {"kind": "place", "ref": "SBX_spam", "title": "B's spam"}),
        ("GET", f"/v1/trips/{trip}/items/{item}", None),
        ("DELETE", f"/v1/trips/{trip}/items/{item}", None),
        # A's item reached through B's own trip: the item must belong to the trip as well as to the caller.
        ("GET", f"/v1/trips/{b_trip}/items/{item}", None),
        ("DELETE", f"/v1/trips/{b_trip}/items/{item}", None),
    ]
    failures = []
    for method, path, body in attempts:
        problem = _refusal(gateway.request(method, path, json=body, headers=b), [owner.trip["name"], "Belém"])
        if problem:
            failures.append(f"{method} {path}: {problem}")
    assert failures == [], "\n".join(failures)


def test_bs_trip_list_never_shows_as_trips_even_with_as_cursor(
    stack: RunningStack, gateway: httpx.Client, owner: Owner, intruder: tuple[dict[str, str], str]
) -> None:
    b, b_trip = intruder
    # A second trip of A's so A's first page of one has a cursor pointing into A's rows.
    second = gateway.post("/v1/trips", json=_trip_body("A's second"), headers=owner.headers)
    assert second.status_code == 201
    a_page = gateway.get("/v1/trips", params={"limit": 1}, headers=owner.headers).json()
    assert a_page["next_cursor"], "A's first page should point at A's older trip"
    as_ids = {owner.trip_id, second.json()["id"]}

    mine = gateway.get("/v1/trips", params={"limit": 100}, headers=b).json()["items"]
    with_as_cursor = gateway.get("/v1/trips", params={"cursor": a_page["next_cursor"]}, headers=b)

    assert [t["id"] for t in mine] == [b_trip]
    assert with_as_cursor.status_code in (200, 422)
    if with_as_cursor.status_code == 200:
        assert as_ids.isdisjoint(t["id"] for t in with_as_cursor.json()["items"])
    gateway.delete(f"/v1/trips/{second.json()['id']}", headers=owner.headers).raise_for_status()


def test_as_idempotency_key_replays_nothing_of_as_for_b(
    gateway: httpx.Client, owner: Owner, intruder: tuple[dict[str, str], str]
) -> None:
    b, _ = intruder
    # Same key and same body as A's create: B must get a new trip of B's own, never A's stored response.
    response = gateway.post("/v1/trips", json=_trip_body("A's Lisbon"), headers={**b, "Idempotency-Key": "shared-key"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] != owner.trip_id
    assert "idempotent-replayed" not in response.headers
    gateway.delete(f"/v1/trips/{response.json()['id']}", headers=b).raise_for_status()


@pytest.mark.parametrize("route", ["gateway", "memory-direct"])
def test_b_cannot_read_change_or_delete_as_memories(
    route: str,
    gateway: httpx.Client,
    memory_direct: httpx.Client,
    owner: Owner,
    intruder: tuple[dict[str, str], str],
) -> None:
    client = gateway if route == "gateway" else memory_direct
    b, _ = intruder
    failures = []
    for memory in owner.memory_ids:
        for method, body in (
            ("GET", None),
            ("PATCH", {"text": "B rewrote this."}),
            ("PATCH", {"metadata": {"trip_id": "b-trip", "category": "other"}}),
            ("DELETE", None),
        ):
            problem = _refusal(client.request(method, f"/v1/memories/{memory}", json=body, headers=b), ["peanuts"])
            if problem:
                failures.append(f"{method} /v1/memories/{memory}: {problem}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("route", ["gateway", "memory-direct"])
def test_bs_memory_list_and_search_never_contain_as_rows(
    route: str,
    gateway: httpx.Client,
    memory_direct: httpx.Client,
    owner: Owner,
    intruder: tuple[dict[str, str], str],
) -> None:
    client = gateway if route == "gateway" else memory_direct
    b, _ = intruder
    a_page = client.get("/v1/memories", params={"limit": 1}, headers=owner.headers).json()
    assert a_page["next_cursor"], "A has two memories: a page of one has a cursor"
    seen: list[str] = []
    listings: list[dict[str, str | int]] = [
        {"limit": 100},
        {"limit": 100, "trip_id": owner.trip_id},
        {"limit": 100, "category": "preference"},
        {"cursor": a_page["next_cursor"]},
    ]
    for params in listings:
        response = client.get("/v1/memories", params=params, headers=b)
        assert response.status_code in (200, 422), (params, response.text)
        if response.status_code == 200:
            seen += [m["id"] for m in response.json()["items"]]
    searches: list[dict[str, str]] = [
        {"q": "What can I eat?"},
        {"q": "peanuts", "trip_id": owner.trip_id},
        {"q": "aisle seats", "category": "preference"},
    ]
    for query in searches:
        response = client.get("/v1/memories/search", params=query, headers=b)
        assert response.status_code == 200, response.text
        seen += [m["id"] for m in response.json()["results"]]
    assert set(seen).isdisjoint(owner.memory_ids)
    # The same searches as A do find A's rows: the filter above is the user, not a broken search.
    as_hits = client.get("/v1/memories/search", params={"q": "What can I eat?"}, headers=owner.headers).json()
    assert as_hits["results"]
    assert as_hits["results"][0]["id"] in owner.memory_ids


@pytest.mark.parametrize("route", ["gateway", "memory-direct"])
def test_bs_erasure_erases_only_bs_memories(
    route: str, stack: RunningStack, gateway: httpx.Client, memory_direct: httpx.Client, owner: Owner
) -> None:
    client = gateway if route == "gateway" else memory_direct
    b = _bearer(stack, f"isolation-eraser-{route}")
    assert client.post("/v1/memories", json={"text": "I collect tram tickets."}, headers=b).status_code == 201

    erased = client.delete("/v1/memories", headers=b)

    assert erased.status_code == 200, erased.text
    assert erased.json()["deleted"] == 1
    for memory in owner.memory_ids:
        assert client.get(f"/v1/memories/{memory}", headers=owner.headers).status_code == 200


def test_as_data_is_unchanged_after_every_attempt(
    gateway: httpx.Client, memory_direct: httpx.Client, owner: Owner
) -> None:
    # Runs last in this module (pytest keeps file order): every attack above has had its chance.
    trip = gateway.get(f"/v1/trips/{owner.trip_id}", headers=owner.headers)
    items = gateway.get(f"/v1/trips/{owner.trip_id}/items", headers=owner.headers)
    assert trip.status_code == 200
    assert trip.json() == owner.trip
    assert items.json()["items"] == owner.items
    listed = memory_direct.get("/v1/memories", params={"limit": 100}, headers=owner.headers).json()["items"]
    by_id = {m["id"]: m for m in listed}
    assert set(by_id) == set(owner.memory_ids)
    for memory in owner.memories:
        assert by_id[memory["id"]]["memory"] == memory["memory"]
        assert by_id[memory["id"]]["metadata"] == memory["metadata"]
