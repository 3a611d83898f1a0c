"""How far and how long a trip takes by each mode, with the legs of a transit ride.

Distances are the great circle times a detour factor per mode (streets are not straight lines; studies of road
networks put the ratio near 1.2-1.4). Durations come from a typical speed per mode; driving is slower in town than
on the open road, and slower again at rush hour when a departure time asks for traffic. Both legacy Directions /
Distance Matrix and Routes API v2 render these same trips, so the two generations agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tripsage_sandbox import gazetteer, geo
from tripsage_sandbox.seeding import rng_for


class Mode(StrEnum):
    """Travel modes, named as the Routes API names them."""

    DRIVE = "DRIVE"
    WALK = "WALK"
    BICYCLE = "BICYCLE"
    TRANSIT = "TRANSIT"
    TWO_WHEELER = "TWO_WHEELER"


DETOUR = {Mode.DRIVE: 1.3, Mode.TWO_WHEELER: 1.3, Mode.WALK: 1.25, Mode.BICYCLE: 1.25, Mode.TRANSIT: 1.3}
WALK_KMH = 4.8
BICYCLE_KMH = 15.0
# A transit ride shorter than this is not worth the wait: Google answers such trips with a walk.
_TRANSIT_MIN_KM = 1.0
_ACCESS_WALK_KM = 0.35
_HEADWAY_S = {"SUBWAY": 300, "BUS": 600, "HEAVY_RAIL": 1800}


@dataclass(frozen=True, slots=True)
class Point:
    """A resolved place on the trip."""

    lat: float
    lon: float
    name: str
    city: geo.City


@dataclass(frozen=True, slots=True)
class TransitRide:
    """The transit details of one ride."""

    vehicle: str
    line_name: str
    line_short_name: str
    color: str
    agency: str
    headsign: str
    departure_stop: str
    arrival_stop: str
    departure_time: datetime
    arrival_time: datetime
    stop_count: int
    headway_s: int


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a trip: a walk to the stop, a ride, a drive."""

    mode: Mode
    start: tuple[float, float]
    end: tuple[float, float]
    distance_m: int
    duration_s: int
    instruction: str
    ride: TransitRide | None = None


@dataclass(frozen=True, slots=True)
class Trip:
    """A trip between two points: its segments, whose sums are the trip's totals."""

    # Without traffic; the same as duration_s except for a drive at a busy hour.
    static_duration_s: int
    segments: tuple[Segment, ...]

    @property
    def distance_m(self) -> int:
        return sum(segment.distance_m for segment in self.segments)

    @property
    def duration_s(self) -> int:
        return sum(segment.duration_s for segment in self.segments)


def reachable(a: Point, b: Point) -> bool:
    """Overland trips stay on one continent (no ferries across oceans in the sandbox)."""
    return a.city.country == b.city.country or geo.continent(a.city.country) == geo.continent(b.city.country)


def _drive_seconds(road_km: float, mode: Mode) -> float:
    # First 10 km at town speed, the next 40 km on main roads, the rest on motorways.
    town = 30.0 if mode is Mode.TWO_WHEELER else 25.0
    town_km = min(road_km, 10.0)
    main_km = min(max(road_km - 10.0, 0.0), 40.0)
    motorway_km = max(road_km - 50.0, 0.0)
    return (town_km / town + main_km / 55.0 + motorway_km / 95.0) * 3600


def traffic_factor(departure: datetime) -> float:
    """How much slower driving is at the local departure hour (rush hours, daytime, night)."""
    hour = departure.hour
    if departure.weekday() < 5 and (7 <= hour < 10 or 16 <= hour < 19):
        return 1.35
    return 1.12 if 6 <= hour < 22 else 1.0


def _direct(a: Point, b: Point, mode: Mode, departure: datetime | None, traffic: bool) -> Trip:
    straight = geo.distance_km(a.lat, a.lon, b.lat, b.lon)
    road_km = straight * DETOUR[mode] + 0.05
    if mode in (Mode.DRIVE, Mode.TWO_WHEELER):
        static = _drive_seconds(road_km, mode)
    else:
        static = road_km / (WALK_KMH if mode is Mode.WALK else BICYCLE_KMH) * 3600
    duration = static
    if traffic and departure is not None and mode in (Mode.DRIVE, Mode.TWO_WHEELER):
        duration = static * traffic_factor(departure.astimezone(ZoneInfo(a.city.tz)))
    meters = round(road_km * 1000)
    verb = {Mode.WALK: "Walk", Mode.BICYCLE: "Cycle"}.get(mode, "Drive")
    segment = Segment(mode, (a.lat, a.lon), (b.lat, b.lon), meters, round(duration), f"{verb} to {b.name}")
    return Trip(round(static), (segment,))


def _stop_name(lat: float, lon: float, city: geo.City, vehicle: str) -> str:
    anchor = gazetteer.nearest(lat, lon, 1.0)
    suffix = "Station" if vehicle != "BUS" else "stop"
    return f"{anchor.name if anchor else city.name + ' Centre'} {suffix}"


def _headsign(a: Point, b: Point) -> str:
    """The terminus a line heading from a towards b would show: a landmark past b in that direction."""
    bearing = math.atan2(b.lon - a.lon, b.lat - a.lat)
    beyond = [
        lm
        for _, lm in gazetteer.within(b.lat, b.lon, 15.0)
        if lm.name != b.name and math.cos(math.atan2(lm.lon - b.lon, lm.lat - b.lat) - bearing) > 0.5
    ]
    return beyond[-1].name if beyond else b.city.name


def _ride(a: Point, b: Point, depart: datetime, ride_km: float) -> TransitRide:
    big_city = a.city.population >= 1_000_000
    if ride_km > 40 or (a.city.geonameid != b.city.geonameid and ride_km > 15):
        vehicle, speed, spacing = "HEAVY_RAIL", 60.0, 8.0
    elif big_city:
        vehicle, speed, spacing = "SUBWAY", 28.0, 0.9
    else:
        vehicle, speed, spacing = "BUS", 18.0, 0.45
    rng = rng_for("line", a.city.geonameid, vehicle, round(a.lat, 2), round(a.lon, 2), round(b.lat, 2))
    number = rng.randint(1, 14 if vehicle == "SUBWAY" else 99)
    line_name = {"SUBWAY": f"Line {number}", "BUS": f"Bus {number}", "HEAVY_RAIL": f"Regional train R{number}"}
    headway = _HEADWAY_S[vehicle]
    wait = headway // 2
    boarding = depart + timedelta(seconds=wait)
    arrival = boarding + timedelta(seconds=round(ride_km / speed * 3600))
    return TransitRide(
        vehicle=vehicle,
        line_name=line_name[vehicle],
        line_short_name=str(number) if vehicle != "HEAVY_RAIL" else f"R{number}",
        color=f"#{rng.randint(0, 0xFFFFFF):06x}",
        agency=f"{a.city.name} public transport",
        headsign=_headsign(a, b),
        departure_stop=_stop_name(a.lat, a.lon, a.city, vehicle),
        arrival_stop=_stop_name(b.lat, b.lon, b.city, vehicle),
        departure_time=boarding,
        arrival_time=arrival,
        stop_count=max(1, round(ride_km / spacing)),
        headway_s=headway,
    )


def _transit(a: Point, b: Point, departure: datetime) -> Trip:
    straight = geo.distance_km(a.lat, a.lon, b.lat, b.lon)
    if straight < _TRANSIT_MIN_KM:
        return _direct(a, b, Mode.WALK, None, False)
    access_s = round(_ACCESS_WALK_KM / WALK_KMH * 3600)
    ride_km = max(0.5, straight * DETOUR[Mode.TRANSIT] - 2 * _ACCESS_WALK_KM)
    # The stops sit a short walk along the way from each end.
    fraction = min(0.45, _ACCESS_WALK_KM / max(straight, 0.01))
    board = (a.lat + (b.lat - a.lat) * fraction, a.lon + (b.lon - a.lon) * fraction)
    alight = (b.lat - (b.lat - a.lat) * fraction, b.lon - (b.lon - a.lon) * fraction)
    ride = _ride(a, b, departure + timedelta(seconds=access_s), ride_km)
    ride_s = round((ride.arrival_time - departure).total_seconds()) - access_s
    access_m = round(_ACCESS_WALK_KM * 1000)
    ride_text = f"{ride.line_name} to {ride.headsign}"
    segments = (
        Segment(Mode.WALK, (a.lat, a.lon), board, access_m, access_s, f"Walk to {ride.departure_stop}"),
        Segment(Mode.TRANSIT, board, alight, round(ride_km * 1000), ride_s, ride_text, ride),
        Segment(Mode.WALK, alight, (b.lat, b.lon), access_m, access_s, f"Walk to {b.name}"),
    )
    return Trip(sum(s.duration_s for s in segments), segments)


def plan(a: Point, b: Point, mode: Mode, departure: datetime | None = None, traffic: bool = False) -> Trip | None:
    """The trip from a to b, None when it cannot be made overland."""
    if not reachable(a, b):
        return None
    if mode is Mode.TRANSIT:
        return _transit(a, b, departure or datetime.now(ZoneInfo(a.city.tz)).replace(microsecond=0))
    return _direct(a, b, mode, departure, traffic)
