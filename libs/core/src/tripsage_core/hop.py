"""The headers that cross a hop from one TripSage service to the next: the one contract every caller uses.

A call made on behalf of a request carries the caller's token, the request id, the W3C trace context and the canary
tester header; nothing else of the incoming request unless the caller names it (the gateway's Forwarder passes the
content headers of the request it forwards).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tripsage_core.telemetry import inject_trace_headers

REQUEST_ID_HEADER = "x-request-id"
# Lets a tester's request reach canary pods on every hop: the mesh routes on it (helm/tripsage-lib).
CANARY_HEADER = "x-tripsage-canary"
# What a request's context is made of besides its id and trace: who asks, and which release they are testing.
CONTEXT_HEADERS = ("authorization", CANARY_HEADER)


def hop_headers(incoming: Mapping[str, str], *, request_id: str, also: Iterable[str] = ()) -> dict[str, str]:
    """The headers of a call made on behalf of `incoming` (a case-insensitive mapping, such as Starlette's)."""
    headers = {name: value for name in (*CONTEXT_HEADERS, *also) if (value := incoming.get(name)) is not None}
    headers[REQUEST_ID_HEADER] = request_id
    return inject_trace_headers(headers)
