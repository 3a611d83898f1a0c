"""Airlines, their hubs, alliances, fleets and networks (public schedules and fleet lists, 2025).

A carrier flies a non-stop only from or to one of its hubs (long-haul only from its gateway hubs), to a
country its network reaches, within its fleet's range, on an aircraft type it operates.
"""

# One carrier per line keeps the table readable as a table.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass

from tripsage_sandbox import geo
from tripsage_sandbox.models.airports import is_busy

LONG_HAUL_KM = 4500.0
# Narrow-bodies that airlines fly across the Atlantic (A321LR/XLR, 757).
LONG_RANGE_NARROW = frozenset({"32Q", "75W"})

STAR, ONEWORLD, SKYTEAM = "Star Alliance", "oneworld", "SkyTeam"


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


def _c(
    code: str,
    name: str,
    country: str,
    hubs: str,
    gateways: int,
    alliance: str | None,
    narrow: str,
    wide: str,
    max_range_km: float = 16_000.0,
    continents: str | None = None,
    countries: str = "",
) -> Carrier:
    return Carrier(
        code,
        name,
        country,
        tuple(hubs.split()),
        gateways,
        alliance,
        tuple(narrow.split()),
        tuple(wide.split()),
        max_range_km,
        None if continents is None else frozenset(continents.split()),
        frozenset(countries.split()),
    )


_EU_NEAR = "MA EG TN IL JO TR CV"  # short/medium-haul leisure markets beyond Europe

CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        _c("AA", "AMERICAN AIRLINES", "US", "DFW CLT ORD MIA PHL PHX JFK LAX DCA", 7, ONEWORLD, "321 32Q 738 7M8", "772 77W 788 789"),
        _c("DL", "DELTA AIR LINES", "US", "ATL JFK DTW MSP SLC SEA LAX BOS LGA", 7, SKYTEAM, "223 321 32Q 739", "332 339 359 763 764"),
        _c("UA", "UNITED AIRLINES", "US", "ORD EWR IAH DEN SFO IAD LAX", 7, STAR, "320 32Q 738 739 7M9", "763 772 77W 788 789 78X"),
        _c("B6", "JETBLUE AIRWAYS", "US", "JFK BOS FLL MCO", 2, None, "223 320 321 32Q", "", 7000, "NA", "GB FR NL IE"),
        _c("AS", "ALASKA AIRLINES", "US", "SEA PDX SFO LAX ANC", 0, ONEWORLD, "738 739 7M9", "", 5000, "NA"),
        _c("AC", "AIR CANADA", "CA", "YYZ YVR YUL YYC", 3, STAR, "223 320 321 7M8", "333 788 789 77W"),
        _c("WS", "WESTJET", "CA", "YYC YYZ YVR", 2, None, "738 7M8", "789", 7500, "NA EU"),
        _c("AM", "AEROMEXICO", "MX", "MEX GDL MTY", 1, SKYTEAM, "738 7M8 7M9", "788 789"),
        _c("BA", "BRITISH AIRWAYS", "GB", "LHR LGW LCY", 2, ONEWORLD, "319 320 32N 321 32Q", "772 77W 788 789 78X 35K 388"),
        _c("VS", "VIRGIN ATLANTIC", "GB", "LHR MAN", 2, SKYTEAM, "", "333 339 789 35K", 16_000, "NA", "GB IN SA IL ZA NG GH MV"),
        _c("U2", "EASYJET", "GB", "LGW LTN BRS MAN GVA BSL", 0, None, "319 320 32N 321 32Q", "", 3500, "EU", _EU_NEAR),
        _c("EI", "AER LINGUS", "IE", "DUB", 1, None, "320 32N 32Q", "332 333", 9000, "EU NA", _EU_NEAR),
        _c("AF", "AIR FRANCE", "FR", "CDG ORY NCE", 1, SKYTEAM, "223 319 320 321 32N", "332 359 772 77W 789"),
        _c("KL", "KLM ROYAL DUTCH AIRLINES", "NL", "AMS", 1, SKYTEAM, "E75 E90 E95 738 739 32N", "332 333 772 77W 789 78X"),
        _c("LH", "LUFTHANSA", "DE", "FRA MUC", 2, STAR, "319 320 32N 321 32Q", "333 359 388 748 789"),
        _c("LX", "SWISS INTERNATIONAL AIR LINES", "CH", "ZRH GVA", 1, STAR, "221 223 320 32N 321", "333 343 77W"),
        _c("OS", "AUSTRIAN AIRLINES", "AT", "VIE", 1, STAR, "E95 320 321", "763 772 789"),
        _c("SN", "BRUSSELS AIRLINES", "BE", "BRU", 1, STAR, "319 320 32N", "333", 9000, "EU AF NA", _EU_NEAR),
        _c("IB", "IBERIA", "ES", "MAD BCN", 1, ONEWORLD, "320 32N 321 32Q", "332 333 359"),
        _c("VY", "VUELING AIRLINES", "ES", "BCN MAD", 0, None, "320 32N 321", "", 3500, "EU", _EU_NEAR),
        _c("TP", "TAP AIR PORTUGAL", "PT", "LIS OPO", 1, STAR, "E95 320 32N 321 32Q", "339"),
        _c("AZ", "ITA AIRWAYS", "IT", "FCO LIN MXP", 1, STAR, "223 319 320 32N 321", "339 359"),
        _c("SK", "SAS SCANDINAVIAN AIRLINES", "DK", "CPH ARN OSL", 3, SKYTEAM, "CR9 320 32N 321", "333 359"),
        _c("AY", "FINNAIR", "FI", "HEL", 1, ONEWORLD, "E90 319 320 321", "333 359"),
        _c("LO", "LOT POLISH AIRLINES", "PL", "WAW", 1, STAR, "E75 E95 738 7M8", "788 789"),
        _c("A3", "AEGEAN AIRLINES", "GR", "ATH SKG", 0, STAR, "320 32N 321 32Q", "", 3500, "EU", _EU_NEAR),
        _c("TK", "TURKISH AIRLINES", "TR", "IST SAW", 1, STAR, "738 7M8 320 32N 321 32Q", "332 333 359 77W 789"),
        _c("EK", "EMIRATES", "AE", "DXB", 1, None, "", "388 77W 359"),
        _c("EY", "ETIHAD AIRWAYS", "AE", "AUH", 1, None, "320 321", "789 78X 77W 359 388"),
        _c("QR", "QATAR AIRWAYS", "QA", "DOH", 1, ONEWORLD, "320 321 7M8", "359 35K 388 77W 788 789 332"),
        _c("SV", "SAUDIA", "SA", "JED RUH", 2, SKYTEAM, "320 32N 321", "333 77W 789 78X"),
        _c("MS", "EGYPTAIR", "EG", "CAI", 1, STAR, "320 32N 738", "333 77W 789"),
        _c("AT", "ROYAL AIR MAROC", "MA", "CMN", 1, ONEWORLD, "AT7 738 7M8", "788 789"),
        _c("ET", "ETHIOPIAN AIRLINES", "ET", "ADD", 1, STAR, "DH4 738 7M8", "359 35K 77W 788 789"),
        _c("KQ", "KENYA AIRWAYS", "KE", "NBO", 1, SKYTEAM, "E90 738", "788"),
        _c("SA", "SOUTH AFRICAN AIRWAYS", "ZA", "JNB CPT", 1, STAR, "319 320 32N", "333 343"),
        _c("AI", "AIR INDIA", "IN", "DEL BOM BLR", 3, STAR, "319 320 32N 321", "77W 788 359"),
        _c("6E", "INDIGO", "IN", "DEL BOM BLR HYD", 0, None, "AT7 320 32N 321 32Q", "", 4500, "AS EU"),
        _c("SQ", "SINGAPORE AIRLINES", "SG", "SIN", 1, STAR, "738 7M8", "359 388 78X 77W"),
        _c("MH", "MALAYSIA AIRLINES", "MY", "KUL", 1, ONEWORLD, "738 7M8", "333 339 359"),
        _c("TG", "THAI AIRWAYS", "TH", "BKK", 1, STAR, "320 32N", "333 359 77W 789"),
        _c("VN", "VIETNAM AIRLINES", "VN", "SGN HAN", 2, SKYTEAM, "321 32N", "359 789 78X"),
        _c("GA", "GARUDA INDONESIA", "ID", "CGK DPS", 1, SKYTEAM, "738 7M8", "333 339 77W"),
        _c("PR", "PHILIPPINE AIRLINES", "PH", "MNL CEB", 1, None, "321 32N", "333 359 77W"),
        _c("CX", "CATHAY PACIFIC", "HK", "HKG", 1, ONEWORLD, "320 32N 321 32Q", "333 359 35K 77W"),
        _c("CA", "AIR CHINA", "CN", "PEK TFU CTU", 2, STAR, "319 320 32N 321 738 7M8", "332 333 359 748 77W 789"),
        _c("MU", "CHINA EASTERN AIRLINES", "CN", "PVG SHA KMG XIY", 1, SKYTEAM, "320 32N 321 738 7M8", "332 333 359 77W 789"),
        _c("CZ", "CHINA SOUTHERN AIRLINES", "CN", "CAN PKX SZX CKG", 2, None, "320 32N 321 738 7M8", "332 333 359 388 77W 788 789"),
        _c("BR", "EVA AIR", "TW", "TPE", 1, STAR, "321 32Q", "333 77W 789 78X"),
        _c("CI", "CHINA AIRLINES", "TW", "TPE KHH", 1, SKYTEAM, "738 32Q", "333 359 77W"),
        _c("KE", "KOREAN AIR", "KR", "ICN GMP PUS", 1, SKYTEAM, "223 738 7M8 32N", "333 388 77W 789 78X 748"),
        _c("OZ", "ASIANA AIRLINES", "KR", "ICN GMP", 1, STAR, "320 321 32Q", "333 359 388 77W"),
        _c("JL", "JAPAN AIRLINES", "JP", "HND NRT KIX ITM FUK CTS", 2, ONEWORLD, "738 7M8", "359 35K 763 772 77W 788 789"),
        _c("NH", "ALL NIPPON AIRWAYS", "JP", "HND NRT KIX ITM FUK CTS", 2, STAR, "738 320 32N 321", "763 772 77W 788 789 78X 388"),
        _c("QF", "QANTAS AIRWAYS", "AU", "SYD MEL BNE PER", 4, ONEWORLD, "738 223 32Q", "332 333 388 789"),
        _c("VA", "VIRGIN AUSTRALIA", "AU", "BNE SYD MEL", 0, None, "738 7M8", "", 7000, "OC", "ID"),
        _c("NZ", "AIR NEW ZEALAND", "NZ", "AKL CHC WLG", 1, STAR, "320 32N 321 AT7", "77W 789"),
        _c("LA", "LATAM AIRLINES", "CL", "SCL LIM", 2, None, "319 320 32N 321", "763 788 789"),
        _c("JJ", "LATAM AIRLINES BRASIL", "BR", "GRU BSB", 1, None, "320 32N 321", "763 789"),
        _c("G3", "GOL LINHAS AEREAS", "BR", "GRU CGH GIG BSB", 0, None, "738 7M8", "", 5000, "SA NA"),
        _c("AR", "AEROLINEAS ARGENTINAS", "AR", "AEP EZE", 1, SKYTEAM, "738 7M8", "332"),
        _c("AV", "AVIANCA", "CO", "BOG MDE", 1, STAR, "320 32N", "788"),
        _c("CM", "COPA AIRLINES", "PA", "PTY", 1, STAR, "738 739 7M9", "", 6500, "NA SA"),
        _c("IS", "ICELANDAIR", "IS", "KEF", 1, None, "75W 7M8 7M9 32Q", "763", 7000, "EU NA"),
    )
}  # fmt: skip

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
