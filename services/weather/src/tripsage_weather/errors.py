"""Weather-domain errors, each a problem type of the shared hierarchy."""

from __future__ import annotations

from tripsage_core.errors import FieldProblem, NotFound, ServiceUnavailable, UpstreamError


class CityNotFound(NotFound):
    code = "city-not-found"

    def __init__(self, city: str) -> None:
        super().__init__(
            f"The weather provider knows no city called '{city[:100]}'.",
            errors=[FieldProblem(field="city", location="query", message="city not found")],
        )


class ProviderRejected(UpstreamError):
    """The provider refused our request (bad key, bad parameters): retrying will not help."""

    code = "weather-provider-rejected"


class ProviderBusy(ServiceUnavailable):
    """The provider rate-limited us or failed, and retries within the budget did not get through."""

    code = "weather-provider-unavailable"


class ProviderMalformed(UpstreamError):
    """The provider answered 200 with a body we cannot read."""

    code = "weather-provider-malformed"
