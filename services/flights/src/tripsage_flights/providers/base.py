"""The interface a flight provider implements; routes, models and caching never see the vendor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from tripsage_flights.schemas import FlightOffer, FlightQuery, Location


@dataclass(frozen=True, slots=True)
class FoundOffer:
    """A normalised offer (its `id` still unset), the provider's reference that pricing needs back, and when the
    provider stops honouring the offer (None: the provider does not say)."""

    offer: FlightOffer
    reference: dict[str, Any]
    expires_at: dt.datetime | None = None


class FlightProvider(Protocol):
    name: str

    async def search(self, query: FlightQuery, *, origin: str, destination: str) -> list[FoundOffer]:
        """Offers between these two codes (the query's or alternatives) for the query's dates and travellers."""
        ...

    async def price(self, reference: dict[str, Any]) -> FlightOffer:
        """The offer as the provider confirms it now (price and availability); never cached."""
        ...

    async def locations(self, keyword: str) -> list[Location]:
        """Airports and cities matching a code or name prefix."""
        ...

    async def status(self) -> dict[str, Any]:
        """Provider health for readiness, without calling the provider (e.g. its circuit state)."""
        ...

    async def aclose(self) -> None: ...
