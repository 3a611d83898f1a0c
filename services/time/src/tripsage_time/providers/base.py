"""The interface a time-zone locator implements."""

from typing import Protocol


class ZoneLocator(Protocol):
    def zone_at(self, *, lat: float, lon: float) -> str | None:
        """The IANA zone name at a point, or None where the data knows none."""
        ...
