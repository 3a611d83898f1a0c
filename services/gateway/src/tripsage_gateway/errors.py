"""Gateway errors."""

from tripsage_core.errors import NotFound, PayloadTooLarge


class UnknownRoute(NotFound):
    code = "unknown-route"

    def __init__(self, path: str) -> None:
        super().__init__(f"No API is served at '{path[:200]}'.")


class BodyTooLarge(PayloadTooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")
