"""Public routes: every `/v1/<domain>/...` path is verified here, then forwarded to its service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tripsage_gateway.ratelimit import LimitedUser, rate_limit_headers
from tripsage_gateway.service import Forwarder


def _forwarder(request: Request) -> Forwarder:
    forwarder: Forwarder = request.app.state.service.forwarder
    return forwarder


ForwarderDep = Annotated[Forwarder, Depends(_forwarder)]

router = APIRouter(prefix="/v1", tags=["gateway"])


@router.api_route(
    "/{prefix}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
    summary="Forward a domain's collection route (e.g. /v1/memories)",
)
async def forward_collection(prefix: str, request: Request, user: LimitedUser, forwarder: ForwarderDep) -> Response:
    return await forward(prefix, "", request, user, forwarder)


@router.api_route(
    "/{prefix}/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    # Documented by the owning services' own routes, merged into /openapi.json (see openapi.py).
    include_in_schema=False,
    summary="Forward to the service that owns the domain",
    responses={
        401: {"description": "Missing or invalid bearer token"},
        404: {"description": "No service owns this path"},
        429: {"description": "Rate limit exceeded; see Retry-After and RateLimit-* headers"},
        503: {"description": "The owning service cannot be reached"},
        504: {"description": "The owning service did not answer in time"},
    },
)
async def forward(prefix: str, path: str, request: Request, _user: LimitedUser, forwarder: ForwarderDep) -> Response:
    response = await forwarder.forward(request, prefix=prefix, path=path)
    response.headers.update(rate_limit_headers(request))
    return response
