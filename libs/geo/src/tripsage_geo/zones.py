"""The IANA time zone at a point, offline, from tzf's bundled simplified polygons: the one lookup every service uses.

tzfpy (a Rust library) instead of timezonefinder: a 5 MB wheel and ~2 MB of memory instead of numpy, OpenBLAS and
32 MB of polygons (90 MB of image, 40 MB resident). Its simplified borders agree with timezonefinder on 99.6% of
GeoNames cities; the rest sit within a few kilometres of a zone border (docs/containers.md).

A weather provider's fixed UTC offset is only a fallback: a fixed shift puts the steps after a DST change into the
wrong local day, so local dates come from the IANA zone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import zoneinfo

import tzfpy


# More than the ~600 IANA names: every valid zone stays built; an unknown name raises and is not kept.
@functools.lru_cache(maxsize=1024)
def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo for an IANA name, built once per process: the one way services turn a zone name into a tzinfo.

    ZoneInfo's own cache holds only the 8 most recently used zones; the rest live while something refers to them.
    A flight search answer spans more (JFK-LHR via a dozen hubs: 14 zones) and is dropped once encoded, so each
    search re-read TZif files from disk for most of its stops (docs/benchmarks.md, "Cold search").
    """
    return zoneinfo.ZoneInfo(name)


@functools.lru_cache(maxsize=4096)
def _zone_at(lat: float, lon: float) -> str | None:
    # tzf answers "" where it knows no zone, and Etc/GMT±N over the oceans, as timezonefinder does.
    return tzfpy.get_tz(lon, lat) or None


# UTC-12 (Baker Island) is the last place a date ends: a date not yet over there is still today somewhere.
_LAST_TO_END = dt.timezone(dt.timedelta(hours=-12))


def today_in(zone: str | None, *, now: dt.datetime | None = None) -> dt.date:
    """Today's date in an IANA zone: the day "in the past" is judged by at a place (a departure, a hotel).

    Where no zone is known (or the name is not one), the earliest date anywhere, so a date that is still today
    somewhere is never refused.
    """
    tz: dt.tzinfo = _LAST_TO_END
    if zone:
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zone_named(zone)
    return (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()


class ZoneLocator:
    def __init__(self) -> None:
        # The first lookup decompresses the polygons: pay for it at start-up, not on a caller's request.
        tzfpy.get_tz(0.0, 0.0)

    def zone_at(self, *, lat: float, lon: float) -> str | None:
        """IANA zone name at a point (oceans get Etc/GMT±N), or None where the data knows none."""
        return _zone_at(lat, lon)

    def tzinfo_at(self, lat: float, lon: float, *, fallback_offset_s: int) -> dt.tzinfo:
        """The zone at a point; the provider's fixed offset only where no IANA zone is known."""
        name = self.zone_at(lat=lat, lon=lon)
        if name is not None:
            try:
                return zone_named(name)
            except zoneinfo.ZoneInfoNotFoundError:
                pass
        return dt.timezone(dt.timedelta(seconds=fallback_offset_s))


def zone_name(tz: dt.tzinfo) -> str:
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz.key
    return tz.tzname(None) or "UTC"
