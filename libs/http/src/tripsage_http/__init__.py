"""The HTTP client for service-to-service and provider calls.

An httpx-style API (`request(method, url, params=, json=, content=, headers=)` returning a response with
`status_code`, `headers`, `content`, `json()`, `raise_for_status()`) on aiohttp, chosen by measurement
(docs/benchmarks.md), with per-call deadlines, jittered retries for idempotent calls that honour `Retry-After`,
and a circuit breaker per upstream. Failures surface as the shared error hierarchy:

    ServiceUnavailable (503)
    └── UpstreamUnavailable   connection refused or reset, circuit open
    UpstreamTimeout (504)     the per-call deadline passed
"""

from tripsage_http.client import (
    BreakerPolicy,
    RetryPolicy,
    ServiceClient,
    UpstreamUnavailable,
)
from tripsage_http.response import UpstreamResponse

__all__ = ["BreakerPolicy", "RetryPolicy", "ServiceClient", "UpstreamResponse", "UpstreamUnavailable"]
