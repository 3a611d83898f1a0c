"""Distances on a spherical Earth: the one great-circle formula the services and the sandbox share."""

from __future__ import annotations

import math

# The IUGG mean radius; the error of a sphere against the ellipsoid (< 0.5%) is far below what a trip planner shows.
EARTH_RADIUS_KM = 6371.0088


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    # Near antipodes rounding can take h a hair past 1; the clamp keeps asin in its domain.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
