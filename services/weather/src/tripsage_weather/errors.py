"""Weather-domain errors; the provider's trouble is the shared provider family (tripsage_core.errors)."""

from __future__ import annotations

from tripsage_core.errors import FieldProblem, NotFound


class CityNotFound(NotFound):
    code = "city-not-found"

    def __init__(self, city: str) -> None:
        super().__init__(
            f"The weather provider knows no city called '{city[:100]}'.",
            errors=[FieldProblem(field="city", location="query", message="city not found")],
        )
