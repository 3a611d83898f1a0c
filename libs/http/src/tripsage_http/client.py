"""ServiceClient: one per upstream, owned by a service's lifespan."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import purgatory
import stamina
import structlog
from httpx_aiohttp import AiohttpTransport
from purgatory.domain.model import OpenedState

from tripsage_core.errors import ServiceUnavailable, UpstreamTimeout

log = structlog.get_logger(__name__)

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
_MAX_RETRY_AFTER_S = 30.0


class UpstreamUnavailable(ServiceUnavailable):
    """The upstream could not be reached, or its circuit is open."""

    code = "upstream-unavailable"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    wait_initial_s: float = 0.05
    wait_max_s: float = 1.0
    wait_jitter_s: float = 0.05


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Open after `threshold` consecutive failures; let a probe through after `reset_after_s`."""

    threshold: int = 5
    reset_after_s: float = 5.0


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"upstream answered {response.status_code}")
        self.response = response


class _BreakerTrip(Exception):
    """Carries a failure through the breaker's context so it counts, then is unwrapped."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def retry_after_s(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date), capped so one upstream can't park us for long."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        seconds = parsed.timestamp() - time.time()
    return max(0.0, min(seconds, _MAX_RETRY_AFTER_S))


class ServiceClient:
    """Calls one upstream (a service or a provider API) with deadlines, retries and a circuit breaker."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        timeout_s: float = 2.0,
        connect_timeout_s: float = 0.5,
        retry: RetryPolicy | None = None,
        breaker: BreakerPolicy | None = None,
        max_connections: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._retry = retry or RetryPolicy()
        policy = breaker or BreakerPolicy()
        self._breakers = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=policy.threshold, default_ttl=policy.reset_after_s
        )
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30.0
        )
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=AiohttpTransport(limits=limits, trust_env=False),
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            headers=dict(headers or {}),
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout_s: float | None = None,
    ) -> httpx.Response:
        """Send a request and return the upstream's response, whatever its status, once retries are spent.

        Raises UpstreamUnavailable (503) when the upstream can't be reached or its circuit is open, and
        UpstreamTimeout (504) when the deadline passes. Only idempotent calls are retried.
        """
        method = method.upper()
        retryable = method in _IDEMPOTENT if idempotent is None else idempotent
        deadline = timeout_s or self.timeout_s
        request = self.http.build_request(
            method,
            url,
            params=params,
            json=json,
            content=content,
            headers=headers,
            # The transport's own read timeout sits past our deadline so that asyncio.timeout decides, cleanly.
            timeout=httpx.Timeout(deadline + 1.0, connect=min(deadline, self._connect_timeout_s)),
        )
        attempts = self._retry.attempts if retryable else 1
        try:
            async with asyncio.timeout(deadline * attempts + self._retry.wait_max_s * (attempts - 1)):
                return await self._send_with_retries(request, attempts, deadline)
        except _RetryableStatus as exc:
            return exc.response
        except TimeoutError:
            raise UpstreamTimeout(f"{self.name} did not answer in time.") from None

    async def _send_with_retries(self, request: httpx.Request, attempts: int, deadline: float) -> httpx.Response:
        response: httpx.Response | None = None
        async for attempt in stamina.retry_context(
            on=self._backoff_for,
            attempts=attempts,
            timeout=None,
            wait_initial=self._retry.wait_initial_s,
            wait_max=self._retry.wait_max_s,
            wait_jitter=self._retry.wait_jitter_s,
        ):
            with attempt:
                response = await self._send_once(request, deadline)
                if response.status_code in _RETRYABLE_STATUS and attempts > 1:
                    raise _RetryableStatus(response)
        assert response is not None
        return response

    def _backoff_for(self, exc: Exception) -> bool | float:
        if isinstance(exc, _RetryableStatus):
            return retry_after_s(exc.response) or True
        # An open circuit or a deadline is not worth retrying inside the same call.
        return isinstance(exc, UpstreamUnavailable) and "circuit" not in exc.detail

    async def _send_once(self, request: httpx.Request, deadline: float) -> httpx.Response:
        host = request.url.host or self.name
        try:
            async with await self._breakers.get_breaker(f"{self.name}:{host}"):
                try:
                    async with asyncio.timeout(deadline):
                        response = await self.http.send(request)
                        await response.aread()
                except (httpx.TransportError, TimeoutError) as exc:
                    raise _BreakerTrip(exc) from exc
                if response.status_code >= 500:
                    # Count server errors against the circuit while still handing the response back.
                    raise _BreakerTrip(_RetryableStatus(response))
                return response
        except OpenedState:
            raise UpstreamUnavailable(f"{self.name} is failing; its circuit is open.") from None
        except _BreakerTrip as trip:
            return self._unwrap(trip.cause)

    def _unwrap(self, cause: BaseException) -> httpx.Response:
        if isinstance(cause, _RetryableStatus):
            return cause.response
        if isinstance(cause, TimeoutError | httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
            raise UpstreamTimeout(f"{self.name} did not answer in time.") from None
        log.warning("upstream_unreachable", upstream=self.name, error=type(cause).__name__)
        raise UpstreamUnavailable(f"{self.name} cannot be reached.") from None
