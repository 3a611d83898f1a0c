"""Every googlemaps SDK call goes through here: a bounded thread pool, one time budget, retries, a circuit breaker,
and Google's status values turned into our errors.

The SDK is synchronous (requests), so calls run in a BlockingPool, never on the event loop. The SDK's own retries
are kept inside our budget: it retries HTTP 500/503/504 until `retry_timeout` (set to the budget) and its
OVER_QUERY_LIMIT retry is off, because it would turn a rate limit into an anonymous Timeout after 60 s; we retry
that ourselves when the Retry-After fits the budget, and otherwise answer 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import googlemaps
import googlemaps.exceptions
import purgatory
import requests
import stamina
import structlog
from purgatory.domain.model import OpenedState
from requests.adapters import HTTPAdapter

from tripsage_core.blocking import BlockingPool
from tripsage_core.errors import ServiceUnavailable, TripSageError, UpstreamError, UpstreamTimeout, ValidationFailed
from tripsage_maps.errors import ProviderRateLimited, ProviderUnavailable

log = structlog.get_logger(__name__)

T = TypeVar("T")

CIRCUIT = "google-maps"
_MAX_ATTEMPTS = 3
# Statuses that say the request itself is wrong; the provider is healthy.
_REJECTED = frozenset({"INVALID_REQUEST", "MAX_ELEMENTS_EXCEEDED", "MAX_DIMENSIONS_EXCEEDED", "MAX_WAYPOINTS_EXCEEDED"})


def _not_a_provider_fault(exc: BaseException) -> bool:
    # 4xx answers, rate limits and our own full pool say nothing about the provider's health.
    return (
        isinstance(exc, ProviderRateLimited)
        or type(exc) is ServiceUnavailable
        or (isinstance(exc, TripSageError) and exc.status_code < 500)
    )


class _CallTrace:
    """What the SDK's last HTTP response in one call said, which its exceptions leave out."""

    __slots__ = ("retry_after", "status")

    def __init__(self) -> None:
        self.status: int | None = None
        self.retry_after: str | None = None


class _CurrentCall(threading.local):
    trace: _CallTrace | None = None


class GoogleMapsCaller:
    """Runs googlemaps SDK calls off the event loop within a time budget; one per process, owned by the lifespan."""

    def __init__(
        self,
        *,
        key: str,
        base_url: str,
        timeout_s: float,
        concurrency: int,
        queries_per_second: int,
        breaker_threshold: int,
        breaker_reset_s: float,
        rate_limit_retry_after_s: int,
    ) -> None:
        self.timeout_s = timeout_s
        self._rate_limit_retry_after_s = rate_limit_retry_after_s
        self._breaker_reset_s = breaker_reset_s
        self._current = _CurrentCall()
        self._session = requests.Session()
        # As many pooled connections as worker threads, so concurrent calls never wait for a connection.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=concurrency)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.hooks["response"].append(self._remember)
        self._client = googlemaps.Client(
            key=key,
            base_url=base_url,
            timeout=timeout_s,
            retry_timeout=timeout_s,  # a float works: it feeds timedelta(seconds=...)
            retry_over_query_limit=False,
            queries_per_second=queries_per_second,
            queries_per_minute=queries_per_second * 60,
            requests_session=self._session,
        )
        self._pool = BlockingPool("google-maps", max_workers=concurrency)
        self._breakers = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold,
            default_ttl=breaker_reset_s,
            exclude=[(Exception, _not_a_provider_fault)],
        )

    async def call(
        self,
        operation: str,
        fn: Callable[[googlemaps.Client], T],
        *,
        field: str,
        location: str = "query",
        not_found: Callable[[], TripSageError] | None = None,
    ) -> T:
        """Run `fn(client)` in the pool; `field` is what an INVALID_REQUEST is blamed on in the 422."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s

        def retry_after(exc: Exception) -> bool | float:
            remaining = deadline - loop.time()
            if isinstance(exc, ProviderRateLimited):
                return float(exc.retry_after_s) if exc.retry_after_s < remaining else False
            # Dropped connections are retried; an open circuit or a spent budget is not.
            return isinstance(exc, ProviderUnavailable) and exc.retryable and remaining > 0.05

        async for attempt in stamina.retry_context(
            on=retry_after, attempts=_MAX_ATTEMPTS, timeout=None, wait_initial=0.05, wait_max=0.5, wait_jitter=0.05
        ):
            with attempt:
                return await self._attempt(operation, fn, deadline, field, location, not_found)
        raise AssertionError("stamina ends a retry loop by returning or raising")

    async def circuit_state(self) -> str:
        """The circuit's state for readiness: "closed", "half-opened" or "opened"."""
        breaker = await self._breakers.get_breaker(CIRCUIT)
        return breaker.context.state

    def close(self) -> None:
        self._pool.shutdown()
        self._session.close()

    async def _attempt(
        self,
        operation: str,
        fn: Callable[[googlemaps.Client], T],
        deadline: float,
        field: str,
        location: str,
        not_found: Callable[[], TripSageError] | None,
    ) -> T:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise UpstreamTimeout(f"Google Maps did not answer within {self.timeout_s:g} s.")
        trace = _CallTrace()
        try:
            async with await self._breakers.get_breaker(CIRCUIT):
                try:
                    return await self._pool.run(
                        remaining, self._invoke, operation, fn, trace, field, location, not_found
                    )
                except UpstreamTimeout:
                    # Our budget ran out while the SDK was still retrying a failing Google: that is an outage.
                    if trace.status is not None and trace.status >= 500:
                        raise ProviderUnavailable(f"Google Maps kept failing (HTTP {trace.status}).") from None
                    raise
        except OpenedState:
            raise ProviderUnavailable(
                "Google Maps is failing; its circuit is open.", retry_after_s=max(1, round(self._breaker_reset_s))
            ) from None

    def _invoke(
        self,
        operation: str,
        fn: Callable[[googlemaps.Client], T],
        trace: _CallTrace,
        field: str,
        location: str,
        not_found: Callable[[], TripSageError] | None,
    ) -> T:
        """On a pool thread: the SDK call, its exceptions mapped while this thread's last response is known."""
        self._current.trace = trace
        try:
            return fn(self._client)
        except googlemaps.exceptions._OverQueryLimit:
            raise ProviderRateLimited(self._retry_after_s(trace)) from None
        except googlemaps.exceptions.ApiError as exc:
            raise self._api_error(operation, exc, field, location, not_found) from None
        except googlemaps.exceptions.Timeout:
            # The SDK raises Timeout both for a slow answer and when its 5xx retries outlast retry_timeout.
            if trace.status is not None and trace.status >= 500:
                raise ProviderUnavailable(f"Google Maps kept failing (HTTP {trace.status}).") from None
            raise UpstreamTimeout(f"Google Maps did not answer within {self.timeout_s:g} s.") from None
        except googlemaps.exceptions.HTTPError as exc:  # before TransportError, its base class
            log.warning("provider_http_error", provider="google", operation=operation, status=exc.status_code)
            raise UpstreamError(f"Google Maps answered HTTP {exc.status_code}.") from None
        except googlemaps.exceptions.TransportError as exc:
            # Never log the exception text: requests puts the URL, and so the key, in it.
            log.warning("provider_unreachable", provider="google", operation=operation, error=_cause_name(exc))
            raise ProviderUnavailable("Google Maps cannot be reached.", retryable=True) from None
        except requests.exceptions.JSONDecodeError:
            # A truncated or non-JSON body; other ValueErrors are our bugs and must surface as such.
            log.warning("provider_malformed_answer", provider="google", operation=operation)
            raise UpstreamError("Google Maps sent an unreadable answer.") from None
        finally:
            self._current.trace = None

    def _api_error(
        self,
        operation: str,
        exc: googlemaps.exceptions.ApiError,
        field: str,
        location: str,
        not_found: Callable[[], TripSageError] | None,
    ) -> TripSageError:
        status = str(exc.status)
        if status in _REJECTED:
            return ValidationFailed.for_field(field, f"the maps provider rejected it ({status})", location=location)
        if status == "NOT_FOUND":
            if not_found is not None:
                return not_found()
            return ValidationFailed.for_field(field, "not found by the maps provider", location=location)
        if status == "REQUEST_DENIED":
            # Loud: this is our configuration (key, billing, API not enabled), not the caller's request.
            log.error("provider_request_denied", provider="google", operation=operation, message=exc.message)
            return UpstreamError("The maps provider refused our request; the operators have been alerted.")
        if status == "UNKNOWN_ERROR":
            return ProviderUnavailable("Google Maps had a transient error.", retryable=True)
        log.error("provider_unexpected_status", provider="google", operation=operation, status=status)
        return UpstreamError(f"Google Maps answered {status[:40]}.")

    def _retry_after_s(self, trace: _CallTrace) -> int:
        try:
            hinted = int(float(trace.retry_after or ""))
        except ValueError:
            return self._rate_limit_retry_after_s
        return min(max(hinted, 1), 60)

    def _remember(self, response: requests.Response, *_: Any, **__: Any) -> None:
        trace = self._current.trace
        if trace is not None:
            trace.status = response.status_code
            trace.retry_after = response.headers.get("Retry-After")


def _cause_name(exc: googlemaps.exceptions.TransportError) -> str:
    cause = getattr(exc, "base_exception", None)
    return type(cause).__name__ if cause is not None else type(exc).__name__
