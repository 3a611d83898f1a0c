"""The HTTP client for service-to-service and provider calls.

An httpx-style API (`request(method, url, params=, json=, content=, headers=)` returning a response with
`status_code`, `headers`, `content`, `json()`, `raise_for_status()`) on aiohttp, chosen by measurement
(docs/benchmarks.md), with per-call deadlines, jittered retries for idempotent calls that honour `Retry-After`,
and a circuit breaker per upstream. Failures surface as the shared error hierarchy:

    ServiceUnavailable (503)
    └── UpstreamUnavailable   connection refused or reset
        └── UpstreamCircuitOpen   the circuit is open; refused without trying
    UpstreamTimeout (504)     the per-call deadline passed

Third-party providers are called through `ProviderCaller` (tripsage_http.provider): the same breaker and backoff
(tripsage_http.resilience), a time budget and a vendor's classifier, raising the provider error family.
"""

from tripsage_http.client import (
    BreakerPolicy,
    RetryPolicy,
    ServiceClient,
    UpstreamCircuitOpen,
    UpstreamUnavailable,
)
from tripsage_http.provider import CallerAdapter, CallPolicy, Failure, FailureKind, ProviderCaller
from tripsage_http.resilience import Breaker, BreakerState, CircuitOpen
from tripsage_http.response import UpstreamResponse

__all__ = [
    "Breaker",
    "BreakerPolicy",
    "BreakerState",
    "CallPolicy",
    "CallerAdapter",
    "CircuitOpen",
    "Failure",
    "FailureKind",
    "ProviderCaller",
    "RetryPolicy",
    "ServiceClient",
    "UpstreamCircuitOpen",
    "UpstreamResponse",
    "UpstreamUnavailable",
]
