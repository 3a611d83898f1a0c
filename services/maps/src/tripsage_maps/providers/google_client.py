"""Every googlemaps SDK call goes through here, into the shared provider layer (budget, retries, circuit), with
Google's status values classified for it.

The SDK is synchronous (requests), so calls run in a BlockingPool, never on the event loop. The SDK's own retries
are kept inside our budget: it retries HTTP 500/503/504 until `retry_timeout` (set to the budget) and its
OVER_QUERY_LIMIT retry is off, because it would turn a rate limit into an anonymous Timeout after 60 s; we retry
that ourselves when the Retry-After fits the budget, and otherwise answer 503 with Retry-After.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import googlemaps
import googlemaps.exceptions
import requests
import structlog
from requests.adapters import HTTPAdapter

from tripsage_core.blocking import BlockingPool
from tripsage_core.errors import (
    FieldProblem,
    ProviderMalformed,
    ProviderMisconfigured,
    ProviderRejected,
    TripSageError,
    UpstreamTimeout,
    ValidationFailed,
)
from tripsage_http import CallPolicy, Failure, FailureKind, ProviderCaller

log = structlog.get_logger(__name__)

T = TypeVar("T")

PROVIDER = "Google Maps"
_MAX_ATTEMPTS = 3
# Statuses that say the request itself is wrong; the provider is healthy.
_REJECTED = frozenset({"INVALID_REQUEST", "MAX_ELEMENTS_EXCEEDED", "MAX_DIMENSIONS_EXCEEDED", "MAX_WAYPOINTS_EXCEEDED"})


class _CallTrace:
    """What the SDK's last HTTP response in one call said, which its exceptions leave out."""

    __slots__ = ("retry_after", "status")

    def __init__(self) -> None:
        self.status: int | None = None
        self.retry_after: str | None = None


class _CurrentCall(threading.local):
    trace: _CallTrace | None = None


class _Classified(Exception):
    """Raised on the pool thread, where the call's last HTTP response is still known."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


def _kept_failing(trace: _CallTrace) -> Failure | None:
    # The SDK retries Google's 5xx until our budget is spent: a timeout after those is an outage, not slowness.
    if trace.status is not None and trace.status >= 500:
        return Failure(FailureKind.UNAVAILABLE, f"{PROVIDER} kept failing (HTTP {trace.status})", trace.status)
    return None


class GoogleMapsCaller:
    """Runs googlemaps SDK calls through the shared provider layer; one per process, owned by the lifespan."""

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
        self._current = _CurrentCall()
        # Operations Google refused as legacy APIs not enabled for this project; readiness names the switch.
        self.legacy_denied: set[str] = set()
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
        self.caller = ProviderCaller(
            "google-maps",
            provider=PROVIDER,
            classify=lambda exc: exc.failure if isinstance(exc, _Classified) else None,
            policy=CallPolicy(
                budget_s=timeout_s,
                attempts=_MAX_ATTEMPTS,
                backoff_initial_s=0.05,
                backoff_max_s=0.5,
                breaker_threshold=breaker_threshold,
                breaker_reset_s=breaker_reset_s,
            ),
            pool=BlockingPool("google-maps", max_workers=concurrency),
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
        trace = _CallTrace()

        def classify(exc: BaseException) -> Failure | None:
            if isinstance(exc, _Classified):
                return exc.failure
            return _kept_failing(trace) if isinstance(exc, TimeoutError | UpstreamTimeout) else None

        return await self.caller.call_blocking(
            operation,
            functools.partial(self._invoke, operation, fn, trace, field, location, not_found),
            classify=classify,
        )

    async def status(self) -> dict[str, Any]:
        return await self.caller.status()

    async def aclose(self) -> None:
        await self.caller.aclose()
        self._session.close()

    def _invoke(
        self,
        operation: str,
        fn: Callable[[googlemaps.Client], T],
        trace: _CallTrace,
        field: str,
        location: str,
        not_found: Callable[[], TripSageError] | None,
    ) -> T:
        """On a pool thread: the SDK call, its exceptions classified while this thread's last response is known."""
        self._current.trace = trace
        try:
            return fn(self._client)
        except googlemaps.exceptions._OverQueryLimit:
            retry_after = self._retry_after_s(trace)
            raise _Classified(
                Failure(FailureKind.RATE_LIMITED, "OVER_QUERY_LIMIT", trace.status, retry_after)
            ) from None
        except googlemaps.exceptions.ApiError as exc:
            raise _Classified(self._api_error(operation, exc, field, location, not_found)) from None
        except googlemaps.exceptions.Timeout:
            # The SDK raises Timeout both for a slow answer and when its 5xx retries outlast retry_timeout.
            failure = _kept_failing(trace) or Failure(FailureKind.TIMEOUT, f"no answer within {self.timeout_s:g} s")
            raise _Classified(failure) from None
        except googlemaps.exceptions.HTTPError as exc:  # before TransportError, its base class
            log.warning("provider_http_error", provider="google", operation=operation, status=exc.status_code)
            error = ProviderMisconfigured(f"{PROVIDER} answered HTTP {exc.status_code}.")
            raise _Classified(Failure(FailureKind.MISCONFIGURED, "http error", exc.status_code, error=error)) from None
        except googlemaps.exceptions.TransportError as exc:
            # Never log the exception text: requests puts the URL, and so the key, in it.
            log.warning("provider_unreachable", provider="google", operation=operation, error=_cause_name(exc))
            raise _Classified(Failure(FailureKind.UNAVAILABLE, f"{PROVIDER} cannot be reached")) from None
        except requests.exceptions.JSONDecodeError:
            # A truncated or non-JSON body; other ValueErrors are our bugs and must surface as such.
            log.warning("provider_malformed_answer", provider="google", operation=operation)
            raise _Classified(Failure(FailureKind.MALFORMED, "unreadable answer")) from None
        finally:
            self._current.trace = None

    def _api_error(
        self,
        operation: str,
        exc: googlemaps.exceptions.ApiError,
        field: str,
        location: str,
        not_found: Callable[[], TripSageError] | None,
    ) -> Failure:
        status = str(exc.status)
        if status in _REJECTED:
            message = f"the maps provider rejected it ({status})"
            rejected = ProviderRejected(
                f"Invalid value for '{field}': {message}",
                errors=[FieldProblem(field=field, location=location, message=message)],
            )
            return Failure(FailureKind.REJECTED, status, error=rejected)
        if status == "NOT_FOUND":
            if not_found is not None:
                return Failure(FailureKind.NOT_FOUND, status, error=not_found())
            unknown = ValidationFailed.for_field(field, "not found by the maps provider", location=location)
            return Failure(FailureKind.NOT_FOUND, status, error=unknown)
        if status == "REQUEST_DENIED":
            # Loud: this is our configuration (key, billing, API not enabled), not the caller's request.
            log.error("provider_request_denied", provider="google", operation=operation, message=exc.message)
            if "legacy" in str(exc.message or "").lower():
                self.legacy_denied.add(operation)
            denied = ProviderMisconfigured("The maps provider refused our request; the operators have been alerted.")
            return Failure(FailureKind.MISCONFIGURED, status, error=denied)
        if status == "UNKNOWN_ERROR":
            return Failure(FailureKind.UNAVAILABLE, f"{PROVIDER} had a transient error")
        log.error("provider_unexpected_status", provider="google", operation=operation, status=status)
        return Failure(FailureKind.MALFORMED, status, error=ProviderMalformed(f"{PROVIDER} answered {status[:40]}."))

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
