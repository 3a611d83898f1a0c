"""Time-domain errors; each is a 422 naming the offending field."""

from tripsage_core.errors import FieldProblem, ValidationFailed


class UnknownTimeZone(ValidationFailed):
    code = "unknown-time-zone"

    def __init__(self, field: str, value: str, *, location: str = "body") -> None:
        super().__init__(
            f"Invalid value for '{field}': '{value[:64]}' is not an IANA time zone (e.g. 'Europe/Paris').",
            errors=[{"field": field, "location": location, "message": "unknown IANA time zone"}],
        )


class NonexistentLocalTime(ValidationFailed):
    code = "nonexistent-local-time"

    def __init__(self, field: str, local: str, zone: str) -> None:
        super().__init__(
            f"Invalid value for '{field}': {local} does not exist in {zone}; the clocks skip it on a DST change.",
            errors=[{"field": field, "location": "body", "message": "local time skipped by a DST change"}],
        )


class NoTimeZoneAtLocation(ValidationFailed):
    code = "no-time-zone"
    default_detail = "No time zone is known at these coordinates."
    default_errors = (FieldProblem(field="lat", location="query", message="no time zone at this location"),)
