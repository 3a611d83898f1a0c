"""Gateway errors."""

from tripsage_core.errors import NotFound


class UnknownRoute(NotFound):
    code = "unknown-route"

    def __init__(self, path: str) -> None:
        super().__init__(f"No API is served at '{path[:200]}'.")
