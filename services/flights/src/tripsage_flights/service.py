"""The flights domain: validate before any provider call, cache searches, keep offers priceable, never cache prices."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
import unicodedata
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel

from tripsage_cache import Cache
from tripsage_cache.answers import ResponseMeta, cached_answer
from tripsage_core.errors import ProviderNotFound, ValidationFailed
from tripsage_core.flags import FeatureFlags
from tripsage_flights.errors import NoAirportInReach, OfferNotFound
from tripsage_flights.providers.base import FlightProvider, FoundOffer
from tripsage_flights.schemas import (
    FlightOffer,
    FlightQuery,
    FlightSearchResponse,
    Location,
    LocationsResponse,
    Price,
    PriceResponse,
)
from tripsage_geo.iata import airports_near, is_known, metro_code_of, nearby_airports, utc_offset, zone_of
from tripsage_geo.zones import today_in, zone_named

if TYPE_CHECKING:
    from tripsage_flights.config import FlightsSettings

log = structlog.get_logger(__name__)

MAX_PASSENGERS = 9
# Airports offered for a place without one: enough for a choice (Kyoto: ITM, KIX, UKB), few enough to stay near.
NEARBY_AIRPORTS = 3
# Amadeus keywords allow letters, digits, spaces and a few punctuation marks; anything else becomes a space.
_KEYWORD_NOISE = re.compile(r"[^A-Za-z0-9 .'/()-]")


class _SearchedOffer(BaseModel):
    """What pricing needs of a searched offer besides the provider's own: the search's copy is the bigger half of
    the priceable entry and is already stored with the search (docs/benchmarks.md, "Cold search")."""

    price: Price
    provider_offer_id: str
    alternative: bool = False


def validate(query: FlightQuery, *, today: dt.date, max_days_ahead: int) -> None:
    """Everything the provider would refuse, refused here first: a 422 naming the field, no provider call."""
    for field in ("origin", "destination"):
        if not is_known(getattr(query, field)):
            raise ValidationFailed.for_field(
                field, f"'{getattr(query, field)}' is not a known IATA airport or city code", location="query"
            )
    if query.origin == query.destination:
        raise ValidationFailed.for_field("destination", "must differ from origin", location="query")
    last = today + dt.timedelta(days=max_days_ahead)
    if query.departure_date < today:
        raise ValidationFailed.for_field("departure_date", "must not be in the past", location="query")
    if query.departure_date > last:
        raise ValidationFailed.for_field(
            "departure_date", f"must be within {max_days_ahead} days (the provider's window)", location="query"
        )
    if query.return_date is not None:
        if query.return_date < query.departure_date:
            raise ValidationFailed.for_field("return_date", "must not be before departure_date", location="query")
        if query.return_date > last:
            raise ValidationFailed.for_field(
                "return_date", f"must be within {max_days_ahead} days (the provider's window)", location="query"
            )
    if query.infants > query.adults:
        raise ValidationFailed.for_field("infants", "each infant travels on an adult's lap", location="query")
    if query.adults + query.children + query.infants > MAX_PASSENGERS:
        raise ValidationFailed.for_field("adults", f"at most {MAX_PASSENGERS} passengers in all", location="query")
    if query.airlines and query.exclude_airlines:
        raise ValidationFailed.for_field("exclude_airlines", "cannot be combined with airlines", location="query")


def _departure_utc(offer: FlightOffer) -> dt.datetime:
    local = offer.itineraries[0].segments[0].departure.local_time
    # An airport airportsdata has no zone for leaves its times naive; compare those as if UTC rather than crash.
    return local.astimezone(dt.UTC) if local.tzinfo else local.replace(tzinfo=dt.UTC)


def _sort_key(sort: str) -> Any:
    if sort == "duration":
        return lambda o: (o.total_duration_minutes or 10**9, o.price.total)
    if sort == "departure":
        return lambda o: (_departure_utc(o), o.price.total)
    return lambda o: (o.price.total, o.total_duration_minutes or 10**9)


def _expired(answer: dict[str, Any]) -> bool:
    expires_at = answer.get("expires_at")
    return isinstance(expires_at, int | float) and expires_at <= time.time()


def location_keyword(q: str) -> str:
    """What the provider can search for: the place before any ", country" hint, accents folded, upper case."""
    place = q.split(",", 1)[0]
    folded = unicodedata.normalize("NFKD", place).encode("ascii", "ignore").decode()
    keyword = " ".join(_KEYWORD_NOISE.sub(" ", folded).split()).upper()[:40]
    if not keyword:
        raise ValidationFailed.for_field(
            "q", "needs letters or digits (an IATA code or a place name)", location="query"
        )
    return keyword


class FlightsService:
    def __init__(self, provider: FlightProvider, cache: Cache, settings: FlightsSettings, flags: FeatureFlags) -> None:
        self.provider = provider
        self.cache = cache
        self.settings = settings
        self._alternatives = flags.alternative_routes

    def validate(self, query: FlightQuery) -> None:
        # A flight leaves on the origin's date: at 01:00 UTC it is still yesterday in Los Angeles, and tonight's
        # departure from LAX is not in the past.
        today = today_in(zone_of(query.origin))
        validate(query, today=today, max_days_ahead=self.settings.max_days_ahead)

    def _pairs(self, query: FlightQuery) -> list[tuple[str, str]]:
        pairs = [(query.origin, query.destination)]
        if self._alternatives:
            radius, limit = self.settings.alternative_radius_km, self.settings.alternative_airports
            near_origin = nearby_airports(query.origin, radius_km=radius, limit=limit)
            near_destination = nearby_airports(query.destination, radius_km=radius, limit=limit)
            pairs += [(airport.code, query.destination) for airport, _ in near_origin]
            pairs += [(query.origin, airport.code) for airport, _ in near_destination]
        return pairs

    async def search(self, query: FlightQuery, *, refresh: bool = False) -> FlightSearchResponse:
        self.validate(query)
        digest = query.digest(f"alt={int(self._alternatives)}")
        pairs = self._pairs(query)

        async def fetch() -> dict[str, Any]:
            return await self._fetch_offers(query, digest, pairs)

        ttl_s = self.settings.search_ttl_s
        result = await cached_answer(self.cache, f"search:{digest}", fetch, ttl_s, refresh=refresh)
        if result.state.value == "hit" and _expired(result.value):
            # The provider stops honouring an offer at its expiry: a cached search must not outlive its offers.
            result = await cached_answer(self.cache, f"search:{digest}", fetch, ttl_s, refresh=True)
        offers = [FlightOffer.model_validate(o) for o in result.value["offers"]]
        return FlightSearchResponse(
            offers=offers,
            count=len(offers),
            alternatives_searched=[f"{o}-{d}" for o, d in pairs[1:]],
            meta=ResponseMeta.of(result, provider=self.provider.name),
        )

    async def _fetch_offers(self, query: FlightQuery, digest: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        answers = await asyncio.gather(
            *(self.provider.search(query, origin=o, destination=d) for o, d in pairs), return_exceptions=True
        )
        primary = answers[0]
        if isinstance(primary, BaseException):
            raise primary  # the asked-for route failed: the cache may answer with a stale copy
        found: list[FoundOffer] = list(primary)
        for (origin, destination), answer in zip(pairs[1:], answers[1:], strict=True):
            if isinstance(answer, BaseException):
                # An alternative is a bonus: its failure must not fail the search.
                log.info("alternative_route_failed", origin=origin, destination=destination, error=str(answer))
                continue
            found.extend(answer)
        found.sort(key=lambda f: _sort_key(query.sort)(f.offer))
        found = found[: query.max_results]
        offers, references = [], {}
        for index, item in enumerate(found, start=1):
            offer_id = f"{digest}-{index}"
            offers.append(item.offer.model_copy(update={"id": offer_id}).model_dump(mode="json"))
            searched = {name: offers[-1][name] for name in _SearchedOffer.model_fields}
            references[offer_id] = {"reference": item.reference, "searched": searched}
        expiries = [item.expires_at.timestamp() for item in found if item.expires_at is not None]
        expires_at = min(expiries, default=None)
        offer_ttl_s = self.settings.offer_ttl_s
        if expires_at is not None:
            offer_ttl_s = max(1, min(offer_ttl_s, int(expires_at - time.time())))
        # The provider's whole offer is what pricing needs; kept longer than the search so a result stays priceable,
        # but never past the provider's own expiry.
        await self.cache.set(f"offers:{digest}", {"provider": self.provider.name, "offers": references}, offer_ttl_s)
        return {"offers": offers, "expires_at": expires_at}

    async def price(self, offer_id: str) -> PriceResponse:
        digest = offer_id.rpartition("-")[0]
        stored = await self.cache.get(f"offers:{digest}") if digest else None
        if not isinstance(stored, dict) or stored.get("provider") != self.provider.name:
            raise OfferNotFound(offer_id)
        entry = stored["offers"].get(offer_id)
        # "offer" (the whole searched offer) is how entries were written before "searched"; both carry its fields.
        quoted = (entry.get("searched") or entry.get("offer")) if isinstance(entry, dict) else None
        if quoted is None:
            raise OfferNotFound(offer_id)
        searched = _SearchedOffer.model_validate(quoted)
        try:
            confirmed = await self.provider.price(entry["reference"])
        except ProviderNotFound:
            raise OfferNotFound(offer_id) from None
        confirmed = confirmed.model_copy(
            update={
                "id": offer_id,
                "alternative": searched.alternative,
                "provider_offer_id": searched.provider_offer_id,
            }
        )
        return PriceResponse(
            offer_id=offer_id,
            available=True,
            price=confirmed.price,
            searched_price=searched.price,
            price_changed=(confirmed.price.total, confirmed.price.currency)
            != (searched.price.total, searched.price.currency),
            last_ticketing_date=confirmed.last_ticketing_date,
            offer=confirmed,
            meta=ResponseMeta(cache="bypass", provider=self.provider.name),
        )

    async def locations(self, q: str, *, near: tuple[float, float] | None = None) -> LocationsResponse:
        """Airports and cities matching `q`; a place the provider knows no airport for, when the caller says where
        it is (`near`), gets the airports within reach of it (Kyoto: ITM, KIX), else NoAirportInReach."""
        keyword = location_keyword(q)

        async def fetch() -> dict[str, Any]:
            found = await self.provider.locations(keyword)
            return {"locations": [location.model_dump(mode="json") for location in found]}

        result = await cached_answer(self.cache, f"locations:{keyword}", fetch, self.settings.locations_ttl_s)
        found = [Location.model_validate(item) for item in result.value["locations"]]
        if not found and near is not None:
            found = self._airports_near(q, *near)
        return LocationsResponse(
            locations=found,
            meta=ResponseMeta.of(result, provider=self.provider.name),
        )

    def _airports_near(self, place: str, lat: float, lon: float) -> list[Location]:
        reach_km = self.settings.airport_reach_km
        nearby = airports_near(lat, lon, radius_km=reach_km, limit=NEARBY_AIRPORTS)
        if not nearby:
            raise NoAirportInReach(place, reach_km)
        now = dt.datetime.now(dt.UTC)
        return [
            Location(
                iata_code=airport.code,
                sub_type="AIRPORT",
                name=airport.name,
                city_name=airport.city,
                city_code=metro_code_of(airport.code) or airport.code,
                country_code=airport.country,
                lat=airport.lat,
                lon=airport.lon,
                time_zone_offset=utc_offset(now.astimezone(zone_named(airport.tz))) if airport.tz else None,
                distance_km=distance,
            )
            for airport, distance in nearby
        ]
