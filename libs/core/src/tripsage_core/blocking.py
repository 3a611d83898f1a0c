"""Run a synchronous SDK call (amadeus, googlemaps) off the event loop, in a bounded pool, within a time budget."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from tripsage_core.errors import ServiceUnavailable, UpstreamTimeout

P = ParamSpec("P")
T = TypeVar("T")


class PoolSaturated(ServiceUnavailable):
    """Every thread and queue slot is taken: our own capacity, not the provider's health."""


class BlockingPool:
    """A named, bounded thread pool for one SDK.

    The bound is the SDK's concurrency against its provider; callers beyond it wait (inside their budget) instead of
    spawning threads. A call past its budget raises UpstreamTimeout at once; its thread finishes in the background,
    since Python cannot interrupt it — the SDK's own socket timeout must therefore be set near the budget.
    """

    def __init__(self, name: str, *, max_workers: int = 16, max_queued: int = 256) -> None:
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"{name}-sdk")
        self._slots = asyncio.Semaphore(max_workers + max_queued)

    async def run(self, budget_s: float, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        if self._slots.locked():
            raise PoolSaturated(f"{self.name} is saturated; try again shortly.", headers={"Retry-After": "1"})
        async with self._slots:
            loop = asyncio.get_running_loop()
            # Copy the context so logs and spans inside the SDK call keep the request's ids.
            call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
            try:
                return await asyncio.wait_for(loop.run_in_executor(self._executor, call), timeout=budget_s)
            except TimeoutError:
                raise UpstreamTimeout(f"{self.name} did not answer within {budget_s:g} s.") from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
