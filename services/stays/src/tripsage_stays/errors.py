"""Stays-domain errors."""

from tripsage_core import errors


class OfferNotFound(errors.OfferNotFound):
    reason = "unknown or no longer offered; search again for current offers"
    location = "path"
