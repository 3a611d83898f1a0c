"""The interface a stay provider implements; routes, models and caching never see the vendor."""

from __future__ import annotations

from typing import Any, Protocol

from tripsage_stays.schemas import Hotel, StayQuery


class StayProvider(Protocol):
    name: str

    async def search(self, query: StayQuery, *, limit: int) -> list[Hotel]:
        """Up to `limit` nearest hotels for the place, each with the offers it has for the stay (none: left out)."""
        ...

    async def offer(self, offer_id: str) -> tuple[bool, Hotel]:
        """Availability now, and the hotel with the re-priced offer as its only offer; never cached."""
        ...

    async def status(self) -> dict[str, Any]:
        """Provider health for readiness, without calling the provider (e.g. its circuit state)."""
        ...

    async def aclose(self) -> None: ...
