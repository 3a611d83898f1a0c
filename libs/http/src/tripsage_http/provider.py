"""One way to call a third-party provider: a time budget, retries, a circuit breaker and a vendor's classifier.

    caller = ProviderCaller("flights", provider="Amadeus", classify=classify_amadeus, policy=CallPolicy(...))
    offers = await caller.call_blocking("flight_offers", lambda: sdk.shopping.flight_offers_search.get(**params))
    body = await caller.call("weather", lambda: client.request("GET", "/data/2.5/weather", params=...))

A vendor supplies only its calls and `classify`, which sorts whatever its SDK raised into a `Failure`; the layer
decides the rest the same way for every vendor:

    kind           retried                            counts against the circuit   raised when given up
    unavailable    idempotent calls, jittered backoff  yes                          ProviderUnavailable 503
    timeout        idempotent calls, jittered backoff  yes                          ProviderTimeout 504
    rate_limited   after Retry-After, if it fits       no (the provider is healthy) ProviderRateLimited 503
    rejected, not_found, misconfigured, malformed: never retried, never counted; the classifier's error (or the
    family's default) is raised at once.

An HTTP adapter's attempt raises `ProviderAnswered` for an error status and `ProviderUnreadable` for a success it
cannot read; its classifier reads the vendor's error body from the first.
"""

from __future__ import annotations

import asyncio
import enum
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import structlog

from tripsage_core.blocking import BlockingPool, PoolSaturated
from tripsage_core.errors import (
    ProviderMalformed,
    ProviderMisconfigured,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    TripSageError,
    UpstreamTimeout,
)
from tripsage_http.resilience import Breaker, BreakerState, CircuitOpen, backoff_s
from tripsage_http.response import UpstreamResponse

log = structlog.get_logger(__name__)

T = TypeVar("T")
CallerT = TypeVar("CallerT", bound="ProviderCaller")


class FailureKind(enum.StrEnum):
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    MISCONFIGURED = "misconfigured"
    MALFORMED = "malformed"


_OUTAGES = frozenset({FailureKind.UNAVAILABLE, FailureKind.TIMEOUT})


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, as a vendor's classifier sees it.

    `error` is what the caller gets when this failure is final (a 422 naming our field, a domain 404); without
    it the family's error for the kind is raised.
    """

    kind: FailureKind
    detail: str
    status: int | None = None
    retry_after_s: float | None = None
    error: TripSageError | None = None

    @property
    def is_outage(self) -> bool:
        return self.kind in _OUTAGES


Classifier = Callable[[BaseException], Failure | None]
"""Sorts an exception from a vendor call; None means "not the provider's doing" and it propagates untouched."""


class ProviderAnswered(Exception):
    """An HTTP provider answered with an error status; its vendor's classifier reads `response` to sort it."""

    def __init__(self, response: UpstreamResponse, operation: str) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.operation = operation


class ProviderUnreadable(Exception):
    """An HTTP provider answered a success whose body the adapter cannot read; the message says what was wrong."""


@dataclass(frozen=True, slots=True)
class CallPolicy:
    budget_s: float = 8.0
    attempt_timeout_s: float | None = None  # None: an attempt may use the whole remaining budget
    attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 2.0
    breaker_threshold: int = 5
    breaker_reset_s: float = 15.0
    unavailable_retry_after_s: int = 5


class _Carried(Exception):
    """Carries an attempt's classified failure out of the breaker's block."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class _Counted(_Carried):
    """An outage: the breaker counts it."""


class _Uncounted(_Carried):
    """The provider is healthy (it refused, throttled or puzzled us): the breaker does not count it."""


class _Foreign(Exception):
    """An exception the classifier says is not the provider's doing (a bug, a database error): raised again as is."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error


class ProviderCaller:
    """One per provider and process, owned by the lifespan: the provider's circuit and (for SDKs) its threads."""

    def __init__(
        self,
        name: str,
        *,
        provider: str,
        classify: Classifier,
        policy: CallPolicy | None = None,
        pool: BlockingPool | None = None,
    ) -> None:
        self.name = name
        self.provider = provider
        self.policy = policy or CallPolicy()
        self._classify = classify
        self._pool = pool
        self.breaker = Breaker(
            name,
            threshold=self.policy.breaker_threshold,
            reset_after_s=self.policy.breaker_reset_s,
            exclude=[_Uncounted, _Foreign, PoolSaturated],
        )

    def new_deadline(self) -> float:
        """The event-loop time by which a call (or several calls answering one request) must be done."""
        return asyncio.get_running_loop().time() + self.policy.budget_s

    async def call(
        self,
        operation: str,
        fn: Callable[[], Awaitable[T]],
        *,
        idempotent: bool = True,
        deadline: float | None = None,
        classify: Classifier | None = None,
    ) -> T:
        """Await `fn()` (a coroutine talking to the provider) under the policy; raises the provider family.

        `deadline` (from new_deadline()) lets several calls answering one request share one budget; `classify`
        replaces the vendor's classifier for this call (to name the caller's fields in a rejection).
        """

        async def attempt(allowed_s: float) -> T:
            async with asyncio.timeout(allowed_s):
                return await fn()

        return await self._run(operation, attempt, idempotent, deadline, classify or self._classify)

    async def call_blocking(
        self,
        operation: str,
        fn: Callable[[], T],
        *,
        deadline: float | None = None,
        classify: Classifier | None = None,
    ) -> T:
        """Run a blocking SDK call in the provider's thread pool under the policy (SDK reads are idempotent).

        A blocking call cannot be interrupted: past its attempt's time the caller moves on and the thread
        finishes in the background, so the SDK's own socket timeout must sit near the attempt timeout.
        """
        pool = self._pool
        if pool is None:
            raise TypeError(f"{self.name}: a blocking call needs a ProviderCaller built with a pool")

        async def attempt(allowed_s: float) -> T:
            return await pool.run(allowed_s, fn)

        return await self._run(operation, attempt, True, deadline, classify or self._classify)

    async def state(self) -> BreakerState:
        return await self.breaker.state()

    async def status(self) -> dict[str, Any]:
        """For readiness: the circuit's state; an open circuit is reported as the provider being unavailable."""
        state = await self.state()
        if state is BreakerState.OPEN:
            raise ProviderUnavailable(f"{self.provider}'s circuit is open")
        return {"provider": self.provider, "circuit": state.value}

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    async def _run(
        self,
        operation: str,
        attempt_fn: Callable[[float], Awaitable[T]],
        idempotent: bool,
        deadline: float | None,
        classify: Classifier,
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = deadline if deadline is not None else self.new_deadline()
        attempt = 0
        while True:
            attempt += 1
            failure = await self._attempt(attempt_fn, deadline, classify)
            if not isinstance(failure, Failure):
                return failure
            if not failure.is_outage and failure.kind is not FailureKind.RATE_LIMITED:
                raise self._final(failure)
            wait = self._wait_s(failure, attempt)
            # A 429 means the provider did nothing, so even a non-idempotent call may be sent again.
            may_retry = idempotent or failure.kind is FailureKind.RATE_LIMITED
            if not may_retry or attempt >= self.policy.attempts or loop.time() + wait >= deadline:
                log.warning(
                    "provider_failed",
                    provider=self.provider,
                    operation=operation,
                    attempts=attempt,
                    kind=failure.kind.value,
                    status=failure.status,
                    detail=failure.detail,
                )
                raise self._gave_up(failure, wait)
            log.info("provider_retry", provider=self.provider, operation=operation, attempt=attempt, wait_s=wait)
            await asyncio.sleep(wait)

    async def _attempt(
        self, attempt_fn: Callable[[float], Awaitable[T]], deadline: float, classify: Classifier
    ) -> T | Failure:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return Failure(FailureKind.TIMEOUT, "time budget spent")
        allowed = min(remaining, self.policy.attempt_timeout_s or remaining)
        try:
            async with self.breaker.guard():
                try:
                    return await attempt_fn(allowed)
                except PoolSaturated:
                    raise  # our own threads are busy: says nothing about the provider
                except (TimeoutError, UpstreamTimeout) as exc:
                    # The vendor may know better (an SDK still retrying a failing provider is an outage).
                    timeout = classify(exc) or Failure(FailureKind.TIMEOUT, f"no answer within {allowed:.1f} s")
                    raise _Counted(timeout) from None
                except Exception as exc:
                    failure = classify(exc)
                    if failure is None:
                        raise _Foreign(exc) from None
                    raise (_Counted if failure.is_outage else _Uncounted)(failure) from None
        except CircuitOpen as exc:
            reset = math.ceil(exc.reset_after_s)
            raise ProviderUnavailable(
                f"{self.provider} is failing; its circuit is open and calls are paused for up to"
                f" {exc.reset_after_s:g} s.",
                headers={"Retry-After": str(reset)},
            ) from None
        except _Foreign as foreign:
            raise foreign.error from None
        except _Carried as carried:
            return carried.failure

    def _wait_s(self, failure: Failure, attempt: int) -> float:
        if failure.retry_after_s is not None:
            return failure.retry_after_s
        return backoff_s(attempt, initial_s=self.policy.backoff_initial_s, max_s=self.policy.backoff_max_s)

    def _final(self, failure: Failure) -> TripSageError:
        if failure.error is not None:
            return failure.error
        detail = failure.detail or "no detail"
        match failure.kind:
            case FailureKind.REJECTED:
                return ProviderRejected(f"{self.provider} rejected the request: {detail}")
            case FailureKind.NOT_FOUND:
                return ProviderNotFound(f"{self.provider} does not know this resource: {detail}")
            case FailureKind.MISCONFIGURED:
                return ProviderMisconfigured(f"{self.provider} refused our credentials; this service is misconfigured.")
            case _:
                return ProviderMalformed(f"{self.provider} sent an answer we cannot read.")

    def _gave_up(self, failure: Failure, wait_s: float) -> TripSageError:
        if failure.error is not None:
            return failure.error
        if failure.kind is FailureKind.RATE_LIMITED:
            return ProviderRateLimited(
                f"{self.provider} is rate limiting us; try again shortly.",
                headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
            )
        if failure.kind is FailureKind.TIMEOUT:
            return ProviderTimeout(f"{self.provider} did not answer within {self.policy.budget_s:g} s.")
        return ProviderUnavailable(
            f"{self.provider} is unavailable ({failure.detail}).",
            headers={"Retry-After": str(self.policy.unavailable_retry_after_s)},
        )


class CallerAdapter(Generic[CallerT]):
    """Base of a vendor adapter whose every call goes through one caller: the adapter's lifecycle is the caller's
    (readiness reports its circuit; closing shuts its thread pool or client). A subclass adds `from_settings` and
    its domain's calls."""

    name: ClassVar[str]  # the provider, as answers name it ("amadeus")

    def __init__(self, caller: CallerT) -> None:
        self.caller = caller

    async def status(self) -> dict[str, Any]:
        return await self.caller.status()

    async def aclose(self) -> None:
        await self.caller.aclose()
