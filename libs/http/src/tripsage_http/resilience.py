"""The pieces every outbound call shares: a circuit breaker with typed states, jittered backoff, `Retry-After`."""

from __future__ import annotations

import email.utils
import enum
import random
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import purgatory
from purgatory.domain.model import OpenedState

# One upstream may not park a call for longer than this, whatever its Retry-After says.
MAX_RETRY_AFTER_S = 30.0


class BreakerState(enum.StrEnum):
    """purgatory's state names, kept as values so readiness JSON reads as before."""

    CLOSED = "closed"
    OPEN = "opened"
    HALF_OPEN = "half-opened"


class CircuitOpen(Exception):
    """The breaker refused the call without trying it: the upstream failed too often, too recently."""

    def __init__(self, name: str, reset_after_s: float) -> None:
        super().__init__(f"{name}'s circuit is open")
        self.name = name
        self.reset_after_s = reset_after_s


class Breaker:
    """One named circuit (purgatory underneath): `threshold` consecutive failures open it for `reset_after_s`.

    Use `async with breaker:`; an exception leaving the block counts as a failure unless `exclude` lists it, and
    an open circuit raises CircuitOpen on entry.
    """

    def __init__(
        self, name: str, *, threshold: int, reset_after_s: float, exclude: Sequence[type[BaseException]] = ()
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.reset_after_s = reset_after_s
        self._factory = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=threshold, default_ttl=reset_after_s, exclude=list(exclude)
        )

    async def state(self) -> BreakerState:
        breaker = await self._factory.get_breaker(self.name)
        return BreakerState(breaker.context.state)

    def guard(self) -> _Guard:
        """A context for one call; separate objects let concurrent calls share the circuit."""
        return _Guard(self)


class _Guard:
    __slots__ = ("_breaker", "_inner")

    def __init__(self, breaker: Breaker) -> None:
        self._breaker = breaker
        self._inner: Any = None

    async def __aenter__(self) -> None:
        self._inner = await self._breaker._factory.get_breaker(self._breaker.name)
        try:
            await self._inner.__aenter__()
        except OpenedState:
            raise CircuitOpen(self._breaker.name, self._breaker.reset_after_s) from None

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(kind, exc, tb)


def backoff_s(attempt: int, *, initial_s: float, max_s: float) -> float:
    """Exponential from `initial_s`, capped at `max_s`, plus up to a quarter of jitter so retries spread out."""
    base = min(max_s, initial_s * 2 ** max(0, attempt - 1))
    jitter: float = random.uniform(0, base / 4)  # noqa: S311 - jitter, not security
    return float(base + jitter)


def retry_after_s(headers: Mapping[str, str] | Any) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date), capped so one upstream can't park us for long."""
    value = headers.get("retry-after") or headers.get("Retry-After") if hasattr(headers, "get") else None
    if not value:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        try:
            seconds = email.utils.parsedate_to_datetime(str(value)).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))
