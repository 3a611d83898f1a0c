"""The fault switch: a service that fails its API requests while its probes stay green.

It is how a drill makes an instance bad the way a real bad release or a sick pod is bad (it starts, passes /health
and /ready, then fails its callers), so `tripsage-rollout` and the mesh's timeouts, retries and outlier detection
are proven against real failures. Off by default; `<PREFIX>_INJECT_FAULTS=true` turns it on for one Deployment, and
three more settings shape it:

    <PREFIX>_INJECT_FAULT_STATUS   the status of a fault 500 (a bug: never retried) or 503 (a sick instance)
    <PREFIX>_INJECT_FAULT_EVERY    fault every Nth API request and serve the others (1: every request)
    <PREFIX>_INJECT_DELAY_S        hold each API request this long first (slower than a caller's timeout)

Every Nth, not a random share: a drill asserting that one retry always rescues a request needs a fault pattern
with no two faults in a row, whatever the seed. The count is per worker process.
"""

from __future__ import annotations

import asyncio
import itertools

from starlette.types import ASGIApp, Receive, Scope, Send

from tripsage_core.asgi import HttpMiddleware
from tripsage_core.errors import TripSageError, problem_response
from tripsage_core.settings import FaultStatus

# Probes keep answering: a bad release that fails them is never routed to, and so proves nothing.
_PROBE_PATHS = frozenset({"/health", "/ready"})


class InjectedFault(TripSageError):
    """A bug's answer: the mesh never retries a 500."""

    status_code, code, title = 500, "injected-fault", "Injected Fault"


class InjectedUnavailable(InjectedFault):
    """A sick instance's answer: the mesh retries a 503 of an idempotent call on another try."""

    status_code = 503


_FAULTS: dict[int, type[InjectedFault]] = {500: InjectedFault, 503: InjectedUnavailable}


class FaultMiddleware(HttpMiddleware):
    """Holds each HTTP request but the probes `delay_s`, then answers every `every`-th with a problem+json
    `status`; the rest reach the app."""

    def __init__(self, app: ASGIApp, *, status: FaultStatus = 500, every: int = 1, delay_s: float = 0.0) -> None:
        super().__init__(app)
        self.fault = _FAULTS[status]
        self.every = every
        self.delay_s = delay_s
        self._requests = itertools.count(1)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in _PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if next(self._requests) % self.every:
            await self.app(scope, receive, send)
            return
        error = self.fault("This instance was started with its fault switch on.")
        await problem_response(error, instance=scope["path"])(scope, receive, send)
