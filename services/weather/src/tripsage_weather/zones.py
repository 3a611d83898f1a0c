"""The destination's own time zone, from its coordinates (offline, tzf's bundled polygons, as the time service).

OWM's forecast only gives `city.timezone`, a fixed shift in seconds valid at fetch time; a fixed shift puts the
steps after a DST change into the wrong local day, so local dates come from the IANA zone instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import tzfpy


class ZoneLocator:
    def __init__(self) -> None:
        # The first lookup decompresses the polygons: pay for it at start-up, not on a caller's request.
        tzfpy.get_tz(0.0, 0.0)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one locator per process, lives as long as the app
    def zone_at(self, lat: float, lon: float) -> str | None:
        """IANA zone name at a point (oceans get Etc/GMT±N), or None where the data knows none."""
        return tzfpy.get_tz(lon, lat) or None

    def tzinfo_at(self, lat: float, lon: float, *, fallback_offset_s: int) -> dt.tzinfo:
        """The zone at a point; the provider's fixed offset only where no IANA zone is known."""
        name = self.zone_at(lat, lon)
        if name is not None:
            try:
                return zoneinfo.ZoneInfo(name)
            except zoneinfo.ZoneInfoNotFoundError:
                pass
        return dt.timezone(dt.timedelta(seconds=fallback_offset_s))


def zone_name(tz: dt.tzinfo) -> str:
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz.key
    return tz.tzname(None) or "UTC"
