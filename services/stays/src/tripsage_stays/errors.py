"""Stays-domain errors."""

from tripsage_core.errors import NotFound


class OfferNotFound(NotFound):
    code = "offer-not-found"

    def __init__(self, offer_id: str) -> None:
        super().__init__(
            f"Offer '{offer_id[:80]}' is unknown or no longer offered; search again for current offers.",
            errors=[{"field": "offer_id", "location": "path", "message": "unknown or expired offer"}],
        )
