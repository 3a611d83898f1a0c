"""The HTTP client for service-to-service and provider calls.

httpx's API on an aiohttp transport (measured several times faster than httpx's own pool under concurrency), with
per-call deadlines, jittered retries for idempotent calls that honour `Retry-After`, and a circuit breaker per
upstream. Failures surface as the shared error hierarchy:

    ServiceUnavailable (503)
    ├── UpstreamUnavailable   connection refused or reset, circuit open, upstream 503 after retries
    UpstreamTimeout (504)     the per-call deadline passed
"""

from tripsage_http.client import (
    BreakerPolicy,
    RetryPolicy,
    ServiceClient,
    UpstreamUnavailable,
)

__all__ = ["BreakerPolicy", "RetryPolicy", "ServiceClient", "UpstreamUnavailable"]
