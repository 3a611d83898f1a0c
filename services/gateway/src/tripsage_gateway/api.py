"""Public routes beside the forwarded ones (see fastpath.py): any other `/v1` path is a 404, after the token check."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tripsage_gateway.errors import UnknownRoute
from tripsage_gateway.ratelimit import LimitedUser

# Matched last: any other /v1 path, answered 404 after the token is checked (no probing for routes anonymously).
unknown_router = APIRouter(prefix="/v1", tags=["gateway"])


@unknown_router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(path: str, _user: LimitedUser) -> Response:
    raise UnknownRoute(f"/v1/{path}")
