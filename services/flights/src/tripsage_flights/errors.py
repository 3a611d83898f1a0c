"""Flights-domain errors."""

from tripsage_core import errors
from tripsage_core.errors import NotFound


class OfferNotFound(errors.OfferNotFound):
    reason = "unknown or has expired; search again to get a priceable offer"


class NoAirportInReach(NotFound):
    """A place with no passenger airport within FLIGHTS_AIRPORT_REACH_KM: nothing to fly to, not a failure."""

    code = "no-airport-in-reach"

    def __init__(self, place: str, reach_km: float) -> None:
        super().__init__(
            f"No airport serves '{place[:80]}': none lies within {reach_km:g} km of it.",
            errors=[{"field": "q", "location": "query", "message": f"no airport within {reach_km:g} km"}],
        )
