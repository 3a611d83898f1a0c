"""Public routes: every `/v1/<domain>/...` path is verified here, then forwarded to its service."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from starlette.convertors import StringConvertor, register_url_convertor

from tripsage_gateway.errors import UnknownRoute
from tripsage_gateway.ratelimit import LimitedUser, admit, rate_limit_headers
from tripsage_gateway.routes import ROUTES
from tripsage_gateway.service import Forwarder


class _ForwardedDomain(StringConvertor):
    """Only the prefixes in the routing table, so the forwarding routes can be matched first, ahead of trips."""

    regex = "|".join(re.escape(prefix) for prefix in ROUTES)


register_url_convertor("forwarded_domain", _ForwardedDomain())


# Matched first: nearly every request is forwarded, and each route tried before the match costs time per request.
router = APIRouter(prefix="/v1", tags=["gateway"])
# Matched last: any other /v1 path, answered 404 after the token is checked (no probing for routes anonymously).
unknown_router = APIRouter(prefix="/v1", tags=["gateway"])


@router.api_route(
    "/{prefix:forwarded_domain}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
    summary="Forward a domain's collection route (e.g. /v1/memories)",
)
async def forward_collection(prefix: str, request: Request) -> Response:
    return await forward(prefix, "", request)


@router.api_route(
    "/{prefix:forwarded_domain}/{path:path}",
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
async def forward(prefix: str, path: str, request: Request) -> Response:
    # Authenticated and counted here rather than through dependencies: no dependency graph to solve per request.
    await admit(request)
    forwarder: Forwarder = request.app.state.service.forwarder
    response = await forwarder.forward(request, prefix=prefix, path=path)
    response.headers.update(rate_limit_headers(request))
    return response


@unknown_router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(path: str, _user: LimitedUser) -> Response:
    raise UnknownRoute(f"/v1/{path}")
