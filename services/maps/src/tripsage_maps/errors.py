"""Maps-domain errors, each rendered as problem+json by the shared handlers."""

from __future__ import annotations

from tripsage_core.errors import FieldProblem, NotFound, ValidationFailed

_ENDPOINT_ADVICE = "could not be found; use an address, 'lat,lon' or 'place_id:<id>'"


class PlaceNotFound(NotFound):
    code = "place-not-found"

    def __init__(self, place_id: str) -> None:
        super().__init__(f"No place is known with id '{place_id[:80]}'.")


class RouteEndpointsNotFound(ValidationFailed):
    """Directions' NOT_FOUND: Google could not geocode the origin, the destination or both."""

    code = "route-endpoint-not-found"
    default_detail = "The origin or the destination could not be found."
    default_errors = (
        FieldProblem(field="origin", location="query", message=_ENDPOINT_ADVICE),
        FieldProblem(field="destination", location="query", message=_ENDPOINT_ADVICE),
    )


class MatrixTooLarge(ValidationFailed):
    """Beyond the routing provider's per-request element limits; never truncated silently."""

    code = "matrix-too-large"
