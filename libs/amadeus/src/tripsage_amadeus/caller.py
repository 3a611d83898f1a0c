"""Run Amadeus SDK calls off the event loop: a bounded pool, a time budget, retries and a circuit breaker."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import amadeus
import purgatory
import structlog
from purgatory.domain.model import OpenedState

from tripsage_amadeus.config import AmadeusServiceSettings
from tripsage_amadeus.errors import (
    Failure,
    ProviderMisconfigured,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    classify,
    rejected,
)
from tripsage_core.blocking import BlockingPool
from tripsage_core.errors import TripSageError, UpstreamTimeout

log = structlog.get_logger(__name__)

SdkCall = Callable[[amadeus.Client], Any]


@dataclass(frozen=True, slots=True)
class CallPolicy:
    budget_s: float = 8.0
    attempt_timeout_s: float | None = None  # None: an attempt may use the whole remaining budget
    attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 2.0
    breaker_threshold: int = 5
    breaker_reset_s: float = 15.0
    concurrency: int = 8

    @classmethod
    def from_settings(cls, settings: AmadeusServiceSettings) -> CallPolicy:
        return cls(
            budget_s=settings.provider_timeout_s,
            attempt_timeout_s=settings.provider_attempt_timeout_s,
            attempts=settings.provider_attempts,
            breaker_threshold=settings.breaker_threshold,
            breaker_reset_s=settings.breaker_reset_s,
            concurrency=settings.provider_concurrency,
        )


class _Transient(Exception):
    """An outage-like failure: counted by the circuit breaker, retried within the budget."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class _RateLimited(Exception):
    """A 429: retried after Retry-After, but not an outage, so the circuit ignores it."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class AmadeusCaller:
    """One per service: owns the SDK client's thread pool and its circuit."""

    def __init__(
        self, client: amadeus.Client, *, name: str, policy: CallPolicy | None = None, provider: str = "Amadeus"
    ) -> None:
        self.name = name
        self.provider = provider
        self.policy = policy or CallPolicy()
        self._client = client
        self._pool = BlockingPool(f"{name}-amadeus", max_workers=self.policy.concurrency)
        self._breakers = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=self.policy.breaker_threshold,
            default_ttl=self.policy.breaker_reset_s,
            # Bad requests, rate limits and credentials problems are not outages: they never open the circuit.
            exclude=[_RateLimited, ProviderRejected, ProviderNotFound, ProviderMisconfigured],
        )

    async def call(
        self,
        operation: str,
        sdk_call: SdkCall,
        *,
        fields: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Any:
        """The parsed JSON body of one SDK call; raises a TripSage error once retries and budget are spent.

        `fields` maps provider parameter names to ours, so a provider 400 becomes a 422 naming our field.
        `deadline` (from `new_deadline()`) lets several calls that answer one request share one budget.
        """
        loop = asyncio.get_running_loop()
        deadline = deadline if deadline is not None else self.new_deadline()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(operation, sdk_call, deadline, fields or {})
            except OpenedState:
                raise ProviderUnavailable(
                    f"{self.provider} is failing; calls are paused for up to {self.policy.breaker_reset_s:g} s.",
                    headers={"Retry-After": str(math.ceil(self.policy.breaker_reset_s))},
                ) from None
            except _RateLimited as exc:
                wait = exc.failure.retry_after_s if exc.failure.retry_after_s is not None else self._backoff(attempt)
                if attempt >= self.policy.attempts or loop.time() + wait >= deadline:
                    log.warning("provider_rate_limited", operation=operation, attempts=attempt, retry_after_s=wait)
                    raise ProviderRateLimited(
                        f"{self.provider} is rate limiting us; try again shortly.",
                        headers={"Retry-After": str(max(1, math.ceil(wait)))},
                    ) from None
                await asyncio.sleep(wait)
            except _Transient as exc:
                failure = exc.failure
                wait = self._backoff(attempt)
                if attempt >= self.policy.attempts or loop.time() + wait >= deadline:
                    log.warning(
                        "provider_failed",
                        operation=operation,
                        attempts=attempt,
                        kind=failure.kind,
                        detail=failure.detail,
                    )
                    raise self._gave_up(failure) from None
                log.info("provider_retry", operation=operation, attempt=attempt, kind=failure.kind)
                await asyncio.sleep(wait)

    def new_deadline(self) -> float:
        """The event-loop time by which a call (or a group of calls) started now must be done."""
        return asyncio.get_running_loop().time() + self.policy.budget_s

    async def circuit_state(self) -> str:
        """`closed`, `opened` or `half-opened`, for readiness."""
        breaker = await self._breakers.get_breaker(self.name)
        return str(breaker.context.state)

    def shutdown(self) -> None:
        self._pool.shutdown()

    async def _attempt(self, operation: str, sdk_call: SdkCall, deadline: float, fields: Mapping[str, str]) -> Any:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _Transient(Failure("timeout", None, "time budget spent"))
        allowed = min(remaining, self.policy.attempt_timeout_s or remaining)
        async with await self._breakers.get_breaker(self.name):
            try:
                response = await self._pool.run(allowed, sdk_call, self._client)
            except UpstreamTimeout:
                # The SDK's thread carries on until its own socket timeout; the caller is released now.
                raise _Transient(Failure("timeout", None, f"no answer within {allowed:.1f} s")) from None
            except TripSageError:
                raise  # the pool is saturated: already a 503
            except Exception as exc:
                failure = classify(exc)
                raise self._error_for(operation, failure, fields) from None
            return response.result

    def _error_for(self, operation: str, failure: Failure, fields: Mapping[str, str]) -> Exception:
        if failure.transient:
            return _Transient(failure)
        if failure.kind == "rate_limited":
            return _RateLimited(failure)
        if failure.kind == "auth":
            # Loud on purpose: every call will fail until someone fixes the credentials or the hostname.
            log.error(
                "provider_credentials_rejected",
                provider=self.provider,
                operation=operation,
                status=failure.status,
                detail=failure.detail,
                hint="check the AMADEUS_CLIENT_ID/SECRET variables and AMADEUS_HOSTNAME (test vs production keys)",
            )
            return ProviderMisconfigured(f"{self.provider} refused our credentials; this service is misconfigured.")
        if failure.kind == "not_found":
            return ProviderNotFound(f"{self.provider} does not know this resource: {failure.detail}")
        return rejected(failure, fields, self.provider)

    def _gave_up(self, failure: Failure) -> Exception:
        if failure.kind == "timeout":
            return ProviderTimeout(f"{self.provider} did not answer within {self.policy.budget_s:g} s.")
        return ProviderUnavailable(
            f"{self.provider} is unavailable ({failure.detail}).",
            headers={"Retry-After": "5"},
        )

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_max_s, self.policy.backoff_initial_s * 2 ** (attempt - 1))
        jitter: float = random.uniform(0, base / 4)  # noqa: S311 - jitter, not security
        return float(base + jitter)
