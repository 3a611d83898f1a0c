"""Errors of the database layer, and the one answer to "is Postgres down?" every service uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from tripsage_core.errors import ServiceUnavailable

# What an unreachable, restarting or vanished Postgres raises through asyncpg; SQL errors are bugs, not outages.
# OperatorInterventionError: shutting down or starting up (57P01, 57P03). InternalClientError: a pooled connection
# left mid-operation when the server went away under it.
UNREACHABLE: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,
    asyncpg.InternalClientError,
)
# While connecting, any server error (unknown database, refused role) also means "no database for us now".
CONNECT_FAILURES: tuple[type[Exception], ...] = (*UNREACHABLE, asyncpg.PostgresError)


class DatabaseUnavailable(ServiceUnavailable):
    """Postgres cannot be reached now; renders as 503 without the low-level cause."""

    def __init__(self, *, reason: str) -> None:
        super().__init__("database unavailable")
        # For logs and /ready diagnostics, not for API callers.
        self.reason = reason


@asynccontextmanager
async def unavailable_when_unreachable() -> AsyncIterator[None]:
    """Turn an outage inside the block into DatabaseUnavailable (503); SQL errors pass through as the bugs they are."""
    try:
        yield
    except UNREACHABLE as exc:
        raise DatabaseUnavailable(reason=type(exc).__name__) from None
