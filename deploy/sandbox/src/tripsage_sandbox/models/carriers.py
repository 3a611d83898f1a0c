"""Airlines, their hubs, alliances, fleets and networks: the table is data/carriers.csv (sources there).

A carrier flies a non-stop only from or to one of its hubs (long-haul only from its gateway hubs), to a
country its network reaches, within its fleet's range, on an aircraft type it operates.
"""

from __future__ import annotations

from dataclasses import dataclass

from tripsage_sandbox import geo, tables
from tripsage_sandbox.models.airports import is_busy

LONG_HAUL_KM = 4500.0
# Narrow-bodies that airlines fly across the Atlantic (A321LR/XLR, 757).
LONG_RANGE_NARROW = frozenset({"32Q", "75W"})


@dataclass(frozen=True, slots=True)
class Carrier:
    """An airline as the sandbox's route model sees it."""

    code: str
    name: str
    country: str
    hubs: tuple[str, ...]
    gateways: int
    alliance: str | None
    narrow: tuple[str, ...]
    wide: tuple[str, ...]
    max_range_km: float = 16_000.0
    continents: frozenset[str] | None = None
    countries: frozenset[str] = frozenset()

    @property
    def hub(self) -> str:
        """The main hub."""
        return self.hubs[0]

    def serves(self, airport: geo.Airport) -> bool:
        """True when the airport's country is in the carrier's network."""
        if airport.country == self.country or airport.country in self.countries:
            return True
        return self.continents is None or geo.continent(airport.country) in self.continents

    def flies_from(self, airport: geo.Airport, distance_km: float) -> bool:
        """True when the airport is a hub the carrier can fly this stage from."""
        hubs = self.hubs[: self.gateways] if distance_km > LONG_HAUL_KM else self.hubs
        return airport.code in hubs

    def aircraft(self, distance_km: float, seed: int) -> str:
        """An aircraft type from the carrier's fleet suited to the stage."""
        long_haul = distance_km > LONG_HAUL_KM
        if self.wide and (long_haul or not self.narrow):
            pool = self.wide
        elif long_haul:
            pool = tuple(a for a in self.narrow if a in LONG_RANGE_NARROW) or self.narrow
        else:
            pool = self.narrow
        return pool[seed % len(pool)]


def _carrier(row: dict[str, str]) -> Carrier:
    return Carrier(
        code=row["code"],
        name=row["name"],
        country=row["country"],
        hubs=tuple(row["hubs"].split()),
        gateways=int(row["gateways"]),
        alliance=row["alliance"] or None,
        narrow=tuple(row["narrow"].split()),
        wide=tuple(row["wide"].split()),
        max_range_km=float(row["max_range_km"]),
        continents=frozenset(row["continents"].split()) if row["continents"] else None,
        countries=frozenset(row["countries"].split()),
    )


CARRIERS: dict[str, Carrier] = {row["code"]: _carrier(row) for row in tables.rows("carriers")}

AIRCRAFT: dict[str, str] = {
    "AT7": "ATR 72",
    "DH4": "DE HAVILLAND DASH 8-400",
    "CR9": "BOMBARDIER CRJ900",
    "E75": "EMBRAER 175",
    "E90": "EMBRAER 190",
    "E95": "EMBRAER 195",
    "221": "AIRBUS A220-100",
    "223": "AIRBUS A220-300",
    "319": "AIRBUS A319",
    "320": "AIRBUS A320",
    "32N": "AIRBUS A320NEO",
    "321": "AIRBUS A321",
    "32Q": "AIRBUS A321NEO",
    "738": "BOEING 737-800",
    "739": "BOEING 737-900",
    "7M8": "BOEING 737 MAX 8",
    "7M9": "BOEING 737 MAX 9",
    "75W": "BOEING 757-200",
    "763": "BOEING 767-300",
    "764": "BOEING 767-400",
    "772": "BOEING 777-200",
    "77W": "BOEING 777-300ER",
    "748": "BOEING 747-8",
    "788": "BOEING 787-8",
    "789": "BOEING 787-9",
    "78X": "BOEING 787-10",
    "332": "AIRBUS A330-200",
    "333": "AIRBUS A330-300",
    "339": "AIRBUS A330-900",
    "343": "AIRBUS A340-300",
    "359": "AIRBUS A350-900",
    "35K": "AIRBUS A350-1000",
    "388": "AIRBUS A380-800",
}

# Intercontinental connectors, used only where no carrier of either end's country (nor a partner) can route a trip.
GLOBAL_CONNECTORS: tuple[str, ...] = ("EK", "QR", "TK", "LH", "AF", "KL", "BA", "SQ", "CX", "DL", "UA")

HUBS: frozenset[str] = frozenset(h for c in CARRIERS.values() for h in c.hubs)


def is_major(airport: geo.Airport) -> bool:
    """Big enough for long-haul and for 'nearest airport' answers: an airline hub or a busy airport."""
    return airport.code in HUBS or is_busy(airport)


def carriers_of(country: str) -> tuple[Carrier, ...]:
    """Airlines based in the country (empty when the table does not know any)."""
    return tuple(c for c in CARRIERS.values() if c.country == country)


def partners_of(carriers: tuple[Carrier, ...]) -> tuple[Carrier, ...]:
    """Alliance partners of the given carriers (not the carriers themselves)."""
    alliances = {c.alliance for c in carriers if c.alliance}
    own = {c.code for c in carriers}
    return tuple(c for c in CARRIERS.values() if c.alliance in alliances and c.code not in own)
