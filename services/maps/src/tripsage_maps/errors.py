"""Maps-domain errors, each rendered as problem+json by the shared handlers."""

from __future__ import annotations

from tripsage_core.errors import FieldProblem, NotFound, ServiceUnavailable, ValidationFailed


class PlaceNotFound(NotFound):
    code = "place-not-found"

    def __init__(self, place_id: str) -> None:
        super().__init__(f"No place is known with id '{place_id[:80]}'.")


class RouteEndpointsNotFound(ValidationFailed):
    """Directions' NOT_FOUND: Google could not geocode the origin, the destination or both."""

    code = "route-endpoint-not-found"

    def __init__(self) -> None:
        message = "could not be found; use an address, 'lat,lon' or 'place_id:<id>'"
        super().__init__(
            "The origin or the destination could not be found.",
            errors=[
                FieldProblem(field="origin", location="query", message=message),
                FieldProblem(field="destination", location="query", message=message),
            ],
        )


class MatrixTooLarge(ValidationFailed):
    """Beyond the routing provider's per-request element limits; never truncated silently."""

    code = "matrix-too-large"


class ProviderRateLimited(ServiceUnavailable):
    """The provider said OVER_QUERY_LIMIT; not a fault of the provider, so it never opens the circuit."""

    code = "provider-rate-limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "The maps provider is rate limiting us; try again shortly.",
            headers={"Retry-After": str(retry_after_s)},
        )
        self.retry_after_s = retry_after_s


class ProviderUnavailable(ServiceUnavailable):
    """The provider could not be reached, kept failing, or its circuit is open."""

    code = "provider-unavailable"

    def __init__(self, detail: str, *, retry_after_s: int | None = None, retryable: bool = False) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)} if retry_after_s else None)
        self.retryable = retryable
