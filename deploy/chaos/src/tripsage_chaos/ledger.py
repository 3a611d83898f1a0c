"""What the load wrote, and the audit that proves none of it was lost and no retried write was duplicated."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

_PAGE = 100
_MAX_PAGES = 200  # bounded: the run writes a few thousand rows at most


@dataclass
class Ledger:
    """Every trip key sent, what the server acknowledged, and every item and memory acknowledged (201)."""

    trip_keys: set[str] = field(default_factory=set)
    trips: dict[str, str] = field(default_factory=dict)
    item_ids: set[str] = field(default_factory=set)
    memory_ids: set[str] = field(default_factory=set)
    replay_mismatches: list[str] = field(default_factory=list)
    _trip_ids: list[str] = field(default_factory=list)

    def record_trip(self, key: str, trip_id: str) -> None:
        known = self.trips.get(key)
        if known is None:
            self.trips[key] = trip_id
            self._trip_ids.append(trip_id)
        elif known != trip_id:
            self.replay_mismatches.append(key)

    def any_trip(self, rng: random.Random) -> str | None:
        return rng.choice(self._trip_ids) if self._trip_ids else None

    def unresolved(self) -> list[str]:
        """Keys whose POST never got a 201: the client retries these with the same key."""
        return sorted(self.trip_keys - self.trips.keys())


async def retry_unresolved(ledger: Ledger, write: Callable[[str], Awaitable[httpx.Response]]) -> dict[str, int]:
    """Retry every failed trip write with its own Idempotency-Key, and replay a few acknowledged ones."""
    retried = still_failing = 0
    for key in ledger.unresolved():
        retried += 1
        try:
            response = await write(key)
        except httpx.HTTPError:
            still_failing += 1
            continue
        if response.status_code != 201:
            still_failing += 1
    replayed = replay_mismatches = 0
    for key in list(ledger.trips)[-5:]:
        response = await write(key)
        replayed += 1
        if response.status_code != 201 or response.headers.get("idempotent-replayed") != "true":
            replay_mismatches += 1
    return {
        "retried": retried,
        "still_failing": still_failing,
        "replayed": replayed,
        "replay_mismatches": replay_mismatches + len(ledger.replay_mismatches),
    }


async def _pages(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        params: dict[str, Any] = {"limit": _PAGE} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=params)
        response.raise_for_status()
        page = response.json()
        rows.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return rows


async def audit(client: httpx.AsyncClient, ledger: Ledger, item_trip_id: str) -> dict[str, Any]:
    """Read everything back: acknowledged writes missing (lost) and trips stored twice for one key (duplicated)."""
    trips = await _pages(client, "/v1/trips")
    listed_ids = {t["id"] for t in trips}
    names = Counter(t["name"] for t in trips if t["name"].startswith("chaos "))
    items_response = await client.get(f"/v1/trips/{item_trip_id}/items")
    items_response.raise_for_status()
    item_ids = {i["id"] for i in items_response.json()["items"]}
    memory_ids = {m["id"] for m in await _pages(client, "/v1/memories")}
    unknown = [name for name in names if name.removeprefix("chaos ") not in ledger.trip_keys]
    return {
        "trips_acknowledged": len(ledger.trips),
        "trips_lost": len(set(ledger.trips.values()) - listed_ids),
        "trips_duplicated": sum(count - 1 for count in names.values() if count > 1),
        "trips_unknown": len(unknown),
        "trips_unresolved": len(ledger.unresolved()),
        "items_acknowledged": len(ledger.item_ids),
        "items_lost": len(ledger.item_ids - item_ids),
        "memories_acknowledged": len(ledger.memory_ids),
        "memories_lost": len(ledger.memory_ids - memory_ids),
    }
