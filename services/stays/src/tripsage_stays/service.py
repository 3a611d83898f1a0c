"""The stays domain: validate before any provider call, cache searches, never cache an offer re-check."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tripsage_cache import Cache
from tripsage_cache.answers import ResponseMeta, cached_answer
from tripsage_core.errors import ValidationFailed
from tripsage_geo.iata import is_known, zone_of
from tripsage_geo.zones import ZoneLocator, today_in
from tripsage_stays.providers.base import StayProvider
from tripsage_stays.schemas import Hotel, OfferCheckResponse, StayQuery, StaySearchResponse

if TYPE_CHECKING:
    from tripsage_stays.config import StaysSettings


def validate(query: StayQuery, *, today: dt.date, max_days_ahead: int, max_nights: int) -> None:
    """Everything the provider would refuse, refused here first: a 422 naming the field, no provider call."""
    has_point = query.lat is not None or query.lon is not None
    if query.city_code and has_point:
        raise ValidationFailed.for_field("city_code", "give city_code or lat+lon, not both", location="query")
    if not query.city_code and not has_point:
        raise ValidationFailed.for_field("city_code", "city_code or lat+lon is required", location="query")
    if has_point and (query.lat is None or query.lon is None):
        missing = "lat" if query.lat is None else "lon"
        raise ValidationFailed.for_field(missing, "lat and lon go together", location="query")
    if query.city_code and not is_known(query.city_code):
        raise ValidationFailed.for_field(
            "city_code", f"'{query.city_code}' is not a known IATA city or airport code", location="query"
        )
    if query.check_in < today:
        raise ValidationFailed.for_field("check_in", "must not be in the past", location="query")
    if query.check_in > today + dt.timedelta(days=max_days_ahead):
        raise ValidationFailed.for_field(
            "check_in", f"must be within {max_days_ahead} days (the provider's window)", location="query"
        )
    if query.check_out <= query.check_in:
        raise ValidationFailed.for_field("check_out", "must be after check_in", location="query")
    if query.nights > max_nights:
        raise ValidationFailed.for_field("check_out", f"at most {max_nights} nights per search", location="query")
    if query.rooms > query.adults:
        raise ValidationFailed.for_field("rooms", "each room needs an adult", location="query")


def _cheapest(hotel: Hotel) -> float:
    return min((o.price.total for o in hotel.offers), default=float("inf"))


def _refine(hotels: list[Hotel], query: StayQuery) -> list[Hotel]:
    """The filters and order the provider does not apply itself (or applies loosely)."""
    kept = []
    wanted = set(query.amenities)
    for hotel in hotels:
        if query.min_rating and (hotel.rating or 0) < query.min_rating:
            continue
        if wanted and hotel.amenities and not wanted <= set(hotel.amenities):
            continue
        offers = [o for o in hotel.offers if query.max_price is None or o.price.total <= query.max_price]
        if offers:
            kept.append(hotel.model_copy(update={"offers": sorted(offers, key=lambda o: o.price.total)}))
    if query.sort == "rating":
        kept.sort(key=lambda h: (-(h.rating or 0), _cheapest(h)))
    elif query.sort == "distance":
        kept.sort(key=lambda h: (h.distance_km if h.distance_km is not None else 1e9, _cheapest(h)))
    else:
        kept.sort(key=lambda h: (_cheapest(h), h.distance_km or 1e9))
    return kept


class StaysService:
    def __init__(self, provider: StayProvider, cache: Cache, settings: StaysSettings) -> None:
        self.provider = provider
        self.cache = cache
        self.settings = settings
        self._zones = ZoneLocator()

    def _zone(self, query: StayQuery) -> str | None:
        if query.city_code:
            return zone_of(query.city_code)
        if query.lat is not None and query.lon is not None:
            return self._zones.zone_at(lat=query.lat, lon=query.lon)
        return None

    def validate(self, query: StayQuery) -> None:
        # A night starts on the hotel's date: tonight in Los Angeles is not in the past at 01:00 UTC.
        today = today_in(self._zone(query))
        validate(query, today=today, max_days_ahead=self.settings.max_days_ahead, max_nights=self.settings.max_nights)

    async def search(self, query: StayQuery, *, refresh: bool = False) -> StaySearchResponse:
        self.validate(query)

        async def fetch() -> dict[str, Any]:
            hotels = await self.provider.search(query, limit=self.settings.hotels_per_search)
            return {"hotels": [hotel.model_dump(mode="json") for hotel in _refine(hotels, query)]}

        ttl_s = self.settings.search_ttl_s
        result = await cached_answer(self.cache, f"search:{query.digest()}", fetch, ttl_s, refresh=refresh)
        hotels = [Hotel.model_validate(item) for item in result.value["hotels"]]
        return StaySearchResponse(
            hotels=hotels,
            count=len(hotels),
            meta=ResponseMeta.of(result, provider=self.provider.name),
        )

    async def check_offer(self, offer_id: str) -> OfferCheckResponse:
        available, hotel = await self.provider.offer(offer_id)
        return OfferCheckResponse(
            available=available,
            hotel=hotel.model_copy(update={"offers": []}),
            offer=hotel.offers[0],
            meta=ResponseMeta(cache="bypass", provider=self.provider.name),
        )
