"""In-process single-flight: concurrent callers for one key share one upstream call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, cast

R = TypeVar("R")


@dataclass(slots=True)
class _Flight:
    task: asyncio.Task[Any]
    waiters: int = 0


class SingleFlight:
    """Runs at most one coroutine per key at a time; later callers await the running one."""

    def __init__(self) -> None:
        self._flights: dict[str, _Flight] = {}

    def in_flight(self) -> int:
        """Number of keys with a running call."""
        return len(self._flights)

    async def run(self, key: str, work: Callable[[], Coroutine[Any, Any, R]]) -> tuple[R, bool]:
        """Result of work() (or of the call already running for key) and whether we joined one."""
        flight = self._flights.get(key)
        joined = flight is not None
        if flight is None:
            # The call runs in its own task so one caller being cancelled doesn't fail the others.
            flight = _Flight(asyncio.create_task(work(), name=f"cache-fetch:{key}"))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda task: self._finish(key, task))
        flight.waiters += 1
        try:
            result = await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            flight.waiters -= 1
            # Nobody is left to use the result: stop the upstream call instead of leaking it.
            if flight.waiters == 0 and not flight.task.done():
                # Forget it first so a caller arriving now starts a fresh call rather than joining a dying one.
                if self._flights.get(key) is flight:
                    del self._flights[key]
                flight.task.cancel()
            raise
        flight.waiters -= 1
        return cast(R, result), joined

    def _finish(self, key: str, task: asyncio.Task[Any]) -> None:
        flight = self._flights.get(key)
        if flight is not None and flight.task is task:
            del self._flights[key]
        # Mark the outcome as observed so an error nobody awaited doesn't log "never retrieved".
        if not task.cancelled():
            task.exception()
