"""Amadeus OAuth2 client-credentials handshake and bearer-token checks."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox.errors import AmadeusError
from tripsage_sandbox.responses import PLAIN_JSON, json_response


class TokenStore:
    """Issues and checks self-contained access tokens, so they survive a sandbox restart.

    A token is `SBX<expiry ms, hex>.<nonce>.<checksum>`: the checksum only tells sandbox tokens from garbage
    (38190); it is not a secret, because the sandbox guards nothing.
    """

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s

    @staticmethod
    def _checksum(body: str) -> str:
        return hashlib.sha256(f"tripsage-sandbox:{body}".encode()).hexdigest()[:12]

    def issue(self) -> str:
        """Mint a token valid for the configured lifetime (wall clock, as the SDK counts expires_in)."""
        expires_ms = int(time.time() * 1000) + self.ttl_s * 1000
        body = f"{expires_ms:x}.{secrets.token_hex(6)}"
        return f"SBX{body}.{self._checksum(body)}"

    def expiry_ms(self, token: str) -> int | None:
        """Expiry of a token the sandbox issued, None for anything else."""
        if not token.startswith("SBX"):
            return None
        body, _, checksum = token[3:].rpartition(".")
        if not body or checksum != self._checksum(body):
            return None
        try:
            return int(body.partition(".")[0], 16)
        except ValueError:
            return None

    def check(self, request: Request) -> None:
        """Raise the exact 401 Amadeus would send unless the bearer token is valid."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AmadeusError(
                401, 38191, "Invalid HTTP header", "Missing or invalid format for mandatory Authorization header"
            )
        expires_ms = self.expiry_ms(token.strip())
        if expires_ms is None:
            raise AmadeusError(
                401, 38190, "Invalid access token", "The access token provided in the Authorization header is invalid"
            )
        if time.time() * 1000 >= expires_ms:
            raise AmadeusError(401, 38192, "Access token expired", "The access token is expired")


def endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """An Amadeus API method: it needs a valid bearer token, and an AmadeusError raised in it is its answer."""

    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        store: TokenStore = request.app.state.tokens
        try:
            store.check(request)
            return await handler(request)
        except AmadeusError as error:
            return error.response()

    return answer


def _token_error(status: int, error: str, description: str, code: int, title: str) -> Response:
    body = {"error": error, "error_description": description, "code": code, "title": title}
    return json_response(body, status, PLAIN_JSON)


async def token_endpoint(request: Request) -> Response:
    """POST /v1/security/oauth2/token: any non-empty client_id/secret is accepted."""
    store: TokenStore = request.app.state.tokens
    content_type = request.headers.get("content-type", "")
    form = parse_qs((await request.body()).decode("utf-8", "replace")) if "form-urlencoded" in content_type else {}
    grant_type = form.get("grant_type", [""])[0]
    if not grant_type:
        return _token_error(
            400, "invalid_request", "Mandatory grant_type form parameter missing", 38187, "Invalid parameters"
        )
    if grant_type != "client_credentials":
        return _token_error(
            400,
            "unsupported_grant_type",
            "Only client_credentials value is allowed for the body parameter grant_type",
            38187,
            "Invalid parameters",
        )
    client_id = form.get("client_id", [""])[0].strip()
    client_secret = form.get("client_secret", [""])[0].strip()
    if not client_id or not client_secret:
        return _token_error(401, "invalid_client", "Client credentials are invalid", 38187, "Invalid parameters")
    body: dict[str, Any] = {
        "type": "amadeusOAuth2Token",
        "username": "sandbox@tripsage.invalid",
        "application_name": "tripsage-sandbox",
        "client_id": client_id,
        "token_type": "Bearer",
        "access_token": store.issue(),
        "expires_in": store.ttl_s,
        "state": "approved",
        "scope": "",
    }
    return json_response(body, 200, PLAIN_JSON)
