"""Error bodies exactly as each provider sends them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import orjson
from starlette.responses import Response

from tripsage_sandbox.faults import Provider
from tripsage_sandbox.providers import google_rpc
from tripsage_sandbox.responses import AMADEUS_JSON, PLAIN_JSON, json_response

GOOGLE_KEY_MISSING = (
    "You must use an API key to authenticate each request to Google Maps Platform APIs. "
    "For additional information, please refer to http://g.co/dev/maps-no-account"
)
# The current Maps Platform APIs answer in google.rpc.Status, unlike the legacy web services.
GOOGLE_RPC = frozenset({Provider.GOOGLE_ROUTES, Provider.GOOGLE_PLACES})
DUFFEL_DOCS = "https://duffel.com/docs/api/overview/errors"
OWM_INVALID_KEY = "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."
OWM_BLOCKED = (
    "Your account is temporary blocked due to exceeding of requests limitation of your subscription type. "
    "Please choose the proper subscription https://openweathermap.org/price"
)


@dataclass
class AmadeusError(Exception):
    """An error Amadeus answers in its {"errors": [...]} envelope; raised in a handler, it is the handler's answer."""

    status: int
    code: int
    title: str
    detail: str | None = None
    parameter: str | None = None
    example: str | None = None

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "title": self.title}
        if self.detail is not None:
            error["detail"] = self.detail
        if self.parameter is not None:
            error["source"] = {"parameter": self.parameter}
            if self.example is not None:
                error["source"]["example"] = self.example
        return {"errors": [error]}

    def response(self) -> Response:
        """The error with Amadeus's vendor media type."""
        return json_response(self.body(), self.status, AMADEUS_JSON)


def duffel_error(
    error_type: str, code: str, title: str, message: str, field: str | None = None, request_id: str | None = None
) -> dict[str, Any]:
    """Duffel's {"errors": [...], "meta": {"request_id", "status"}} envelope."""
    error: dict[str, Any] = {
        "type": error_type,
        "title": title,
        "message": message,
        "code": code,
        "documentation_url": DUFFEL_DOCS,
        "source": {"field": field, "pointer": f"/{field.replace('.', '/')}"} if field else None,
    }
    return {"errors": [error], "meta": {"request_id": request_id or new_request_id()}}


def new_request_id() -> str:
    """An id like Duffel's request ids (also sent as x-request-id)."""
    return secrets.token_urlsafe(15)


def openai_error(message: str, error_type: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """OpenAI's {"error": {...}} envelope."""
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def google_status(status: str, message: str | None = None, key: str = "results") -> dict[str, Any]:
    """Google web-service body carrying a non-OK status."""
    body: dict[str, Any] = {key: [], "status": status}
    if message:
        body["error_message"] = message
    return body


def rate_limited(provider: Provider, retry_after_s: int) -> tuple[int, dict[str, str], bytes, str]:
    """Each provider's answer when its rate limit is exceeded."""
    headers = {"Retry-After": str(retry_after_s)}
    if provider in GOOGLE_RPC:
        return google_rpc.rpc_fault(429, retry_after_s)
    if provider is Provider.AMADEUS:
        body = AmadeusError(
            429, 38194, "Too many requests", "The network rate limit is exceeded, please try again later"
        ).body()
        return 429, headers, orjson.dumps(body), AMADEUS_JSON
    if provider is Provider.GOOGLE:
        # Google signals quota exhaustion in the body of an HTTP 200 (the googlemaps SDK relies on it).
        body = google_status("OVER_QUERY_LIMIT", "You have exceeded your rate-limit for this API.")
        return 200, headers, orjson.dumps(body), PLAIN_JSON
    if provider is Provider.OWM:
        return 429, headers, orjson.dumps({"cod": 429, "message": OWM_BLOCKED}), PLAIN_JSON
    if provider is Provider.DUFFEL:
        headers |= {
            "ratelimit-limit": "60",
            "ratelimit-remaining": "0",
            "ratelimit-reset": formatdate(time.time() + retry_after_s, usegmt=True),
        }
        body = duffel_error("rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded", "Too many requests")
        return 429, headers, orjson.dumps(body), PLAIN_JSON
    body = openai_error(
        f"Rate limit reached for requests. Please try again in {retry_after_s}s.",
        "requests",
        code="rate_limit_exceeded",
    )
    return 429, headers, orjson.dumps(body), PLAIN_JSON


def server_error(provider: Provider, status: int) -> tuple[int, dict[str, str], bytes, str]:
    """Each provider's 500 or 503 body."""
    if provider in GOOGLE_RPC:
        return google_rpc.rpc_fault(status, 0)
    if provider is Provider.AMADEUS:
        if status == 503:
            body = AmadeusError(503, 38189, "Internal error", "The service is temporarily unavailable").body()
        else:
            body = AmadeusError(500, 141, "SYSTEM ERROR HAS OCCURRED").body()
        return status, {}, orjson.dumps(body), AMADEUS_JSON
    if provider is Provider.GOOGLE:
        return status, {}, orjson.dumps(google_status("UNKNOWN_ERROR", "Backend error, please retry.")), PLAIN_JSON
    if provider is Provider.DUFFEL:
        code, title = (
            ("internal_server_error", "Internal server error")
            if status == 500
            else ("service_unavailable", "Service unavailable")
        )
        return status, {}, orjson.dumps(duffel_error("api_error", code, title, "Something went wrong")), PLAIN_JSON
    if provider is Provider.OWM:
        message = "Internal error" if status == 500 else "Service Unavailable"
        return status, {}, orjson.dumps({"cod": str(status), "message": message}), PLAIN_JSON
    if status == 503:
        body = openai_error("The engine is currently overloaded, please try again later", "server_error")
    else:
        body = openai_error("The server had an error while processing your request. Sorry about that!", "server_error")
    return status, {}, orjson.dumps(body), PLAIN_JSON


def unknown_route(provider: Provider, method: str, path: str, status: int) -> Response:
    """A 404/405 for a path or method the imitated API does not have, in that provider's format."""
    if provider in GOOGLE_RPC:
        return google_rpc.unknown_route(method, path, status)
    if provider is Provider.AMADEUS:
        title = "Resource not found" if status == 404 else "Method not allowed"
        return AmadeusError(
            status, 38196 if status == 404 else 38197, title, f"{method} {path} is not served"
        ).response()
    if provider is Provider.GOOGLE:
        body = google_status("INVALID_REQUEST", f"{method} {path} is not a Maps web service")
        return Response(orjson.dumps(body), status, media_type=PLAIN_JSON)
    if provider is Provider.OWM:
        return Response(orjson.dumps({"cod": str(status), "message": "Not found"}), status, media_type=PLAIN_JSON)
    if provider is Provider.DUFFEL:
        code, title = ("not_found", "Not found") if status == 404 else ("method_not_allowed", "Method not allowed")
        body = duffel_error("invalid_request_error", code, title, f"{method} {path} is not served")
        return Response(orjson.dumps(body), status, media_type=PLAIN_JSON)
    body = openai_error(f"Invalid URL ({method} {path})", "invalid_request_error")
    return Response(orjson.dumps(body), status, media_type=PLAIN_JSON)


def malformed(provider: Provider) -> tuple[int, dict[str, str], bytes, str]:
    """A 200 whose JSON body is cut off mid-way."""
    media = AMADEUS_JSON if provider is Provider.AMADEUS else PLAIN_JSON
    return 200, {}, b'{"data": [{"type": "sandbox-malformed", "id": "1", "price": {"total": "12', media
