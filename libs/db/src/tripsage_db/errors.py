"""Errors of the database layer."""

from __future__ import annotations

from tripsage_core.errors import ServiceUnavailable


class DatabaseUnavailable(ServiceUnavailable):
    """Postgres cannot be reached now; renders as 503 without the low-level cause."""

    def __init__(self, *, reason: str) -> None:
        super().__init__("database unavailable")
        # For logs and /ready diagnostics, not for API callers.
        self.reason = reason
