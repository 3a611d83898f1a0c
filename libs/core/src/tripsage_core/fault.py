"""The fault switch: a service that answers every API request with 500 while its probes stay green.

It is how a rollout drill makes a canary bad the way a real bad release is bad (it starts, passes /health and /ready,
then fails its callers), so `tripsage-rollout` and the mesh's outlier detection are proven against real 500s. Off by
default; `<PREFIX>_INJECT_FAULTS=true` turns it on for one Deployment.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from tripsage_core.asgi import HttpMiddleware
from tripsage_core.errors import TripSageError, problem_response

# Probes keep answering: a bad release that fails them is never routed to, and so proves nothing.
_PROBE_PATHS = frozenset({"/health", "/ready"})


class InjectedFault(TripSageError):
    status_code, code, title = 500, "injected-fault", "Injected Fault"


class FaultMiddleware(HttpMiddleware):
    """Answers every HTTP request but the probes with problem+json 500."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in _PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        error = InjectedFault("This instance was started with its fault switch on.")
        await problem_response(error, instance=scope["path"])(scope, receive, send)
