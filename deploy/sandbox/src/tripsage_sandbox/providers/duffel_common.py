"""What every Duffel endpoint shares: headers, bearer token, rate-limit headers, errors, ids and place objects.

Wire shapes follow the types of the official JavaScript client `@duffel/api` (4.x), the most complete
published schema of Duffel's API.
"""

from __future__ import annotations

import base64
import functools
import gzip
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from functools import cache
from typing import Any

import airportsdata
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox import geo
from tripsage_sandbox.errors import duffel_error, new_request_id
from tripsage_sandbox.models.carriers import AIRCRAFT, Carrier
from tripsage_sandbox.seeding import stable_seed

API_VERSION = "v2"
RATE_WINDOW_S = 60
_GZIP_MIN_BYTES = 1024


class DuffelFailure(Exception):
    """A request Duffel would refuse; carries the status and error fields."""

    def __init__(
        self, status: int, error_type: str, code: str, title: str, message: str, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error_type, self.code, self.title, self.message, self.field = (
            status,
            error_type,
            code,
            title,
            message,
            field,
        )


def invalid(field: str, message: str, code: str = "invalid_data") -> DuffelFailure:
    """A 422 validation error naming the field, as Duffel answers bad input."""
    return DuffelFailure(422, "validation_error", code, "Invalid data", message, field)


def missing(field: str) -> DuffelFailure:
    """A 422 for a required field that is absent."""
    return DuffelFailure(
        422, "validation_error", "validation_required", "Required field", f"{field} is required", field
    )


def not_found(what: str) -> DuffelFailure:
    """A 404 for an id the sandbox cannot resolve."""
    return DuffelFailure(404, "invalid_request_error", "not_found", "Not found", f"The {what} was not found")


class RateLimiter:
    """Requests per token in a sliding 60 s window, reported in Duffel's ratelimit-* headers."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[str, deque[float]] = {}

    def take(self, token: str) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (allowed, headers)."""
        now = time.time()
        window = self._seen.setdefault(token, deque())
        while window and window[0] <= now - RATE_WINDOW_S:
            window.popleft()
        allowed = len(window) < self.limit
        if allowed:
            window.append(now)
        reset = (window[0] if window else now) + RATE_WINDOW_S
        headers = {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(max(0, self.limit - len(window))),
            "ratelimit-reset": formatdate(reset, usegmt=True),
        }
        if not allowed:
            headers["retry-after"] = str(max(1, round(reset - now)))
        return allowed, headers


def duffel_endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Admit the request (token, version, rate limit) and turn a raised DuffelFailure into Duffel's error body."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        refusal, headers = admitted(request)
        if refusal is not None:
            return fail(request, refusal, headers)
        request.state.duffel_headers = headers
        try:
            return await handler(request)
        except DuffelFailure as failure:
            return fail(request, failure, headers)

    return endpoint


def respond(request: Request, data: Any, status: int = 200, **meta: Any) -> Response:
    """A Duffel JSON answer: gzip when the client accepts it, rate-limit headers, x-request-id."""
    body: dict[str, Any] = {"data": data}
    if meta:
        body["meta"] = meta
    return _encode(request, body, status, getattr(request.state, "duffel_headers", None))


def fail(request: Request, failure: DuffelFailure, headers: dict[str, str] | None = None) -> Response:
    """The error envelope for a refused request."""
    body = duffel_error(failure.error_type, failure.code, failure.title, failure.message, failure.field)
    return _encode(request, body, failure.status, headers)


def _encode(request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None) -> Response:
    raw = orjson.dumps(body)
    extra = {"x-request-id": new_request_id(), **(headers or {})}
    if len(raw) >= _GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        raw = gzip.compress(raw, compresslevel=5)
        extra["content-encoding"] = "gzip"
        extra["vary"] = "Accept-Encoding"
    return Response(raw, status, headers=extra, media_type="application/json")


def admitted(request: Request) -> tuple[DuffelFailure | None, dict[str, str]]:
    """Check the bearer token, Duffel-Version and the rate limit; returns (refusal or None, headers to send)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        title = "Missing authorization header" if not authorization else "Invalid authorization header"
        message = "The Authorization header must be 'Bearer <access token>'"
        code = "missing_authorization_header" if not authorization else "invalid_authorization_header"
        return DuffelFailure(401, "authentication_error", code, title, message), {}
    version = request.headers.get("duffel-version")
    if version != API_VERSION:
        message = (
            "The Duffel-Version header is required"
            if version is None
            else f"Duffel-Version '{version}' is not supported; use '{API_VERSION}'"
        )
        return DuffelFailure(400, "invalid_request_error", "unsupported_version", "Unsupported version", message), {}
    limiter: RateLimiter = request.app.state.duffel_limiter
    allowed, headers = limiter.take(token.strip())
    if not allowed:
        failure = DuffelFailure(
            429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded", "Too many requests, slow down"
        )
        return failure, headers
    return None, headers


async def json_data(request: Request) -> dict[str, Any]:
    """The object under "data" in a request body (the JS client wraps every body that way)."""
    try:
        body = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise DuffelFailure(
            400, "invalid_request_error", "malformed_json", "Malformed JSON", "The request body is not valid JSON"
        ) from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise missing("data")
    return data


def encode_id(prefix: str, payload: Any) -> str:
    """A self-describing id (`orq_…`, `off_…`): the sandbox keeps no state, so ids carry what built them."""
    packed = zlib.compress(orjson.dumps(payload), 9)
    return prefix + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_id(prefix: str, value: str) -> Any:
    """Inverse of encode_id; None for anything the sandbox did not issue."""
    if not value.startswith(prefix):
        return None
    token = value[len(prefix) :]
    try:
        return orjson.loads(zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))))
    except (ValueError, zlib.error, orjson.JSONDecodeError):
        return None


def short_id(prefix: str, *parts: object) -> str:
    """A stable Duffel-looking id (`pas_0000…`) derived from its parts."""
    return f"{prefix}0000{stable_seed(*parts):020x}"[: len(prefix) + 26]


def iso(moment: float) -> str:
    """UTC timestamp as Duffel writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"


def _icao(code: str) -> str:
    record = _airport_records().get(code)
    return str(record.get("icao") or "") if record else ""


@cache
def _airport_records() -> dict[str, Any]:
    return dict(airportsdata.load("IATA"))


def city_object(code: str, name: str, country: str) -> dict[str, Any]:
    """Duffel City."""
    return {
        "type": "city",
        "iata_code": code,
        "iata_country_code": country,
        "id": f"cit_{code.lower()}_{country.lower()}",
        "name": name,
    }


def airport_object(airport: geo.Airport) -> dict[str, Any]:
    """Duffel Airport, with its metropolitan city when it has one."""
    city_code = geo.city_code_for_airport(airport)
    city_name = geo.METROS[city_code].city if city_code in geo.METROS else airport.city
    return {
        "type": "airport",
        "id": f"arp_{airport.code.lower()}_{airport.country.lower()}",
        "name": airport.name,
        "iata_code": airport.code,
        "icao_code": _icao(airport.code),
        "iata_country_code": airport.country,
        "iata_city_code": city_code,
        "city_name": city_name,
        "city": city_object(city_code, city_name, airport.country) if city_code != airport.code else None,
        "latitude": airport.lat,
        "longitude": airport.lon,
        "time_zone": airport.tz,
    }


_ACRONYMS = frozenset({"KLM", "SAS", "TAP", "ITA", "LOT", "EVA", "GOL"})


def _display_name(upper: str) -> str:
    """'KLM ROYAL DUTCH AIRLINES' -> 'KLM Royal Dutch Airlines' (the table holds GDS-style upper case)."""
    return " ".join(word if word in _ACRONYMS else word.title() for word in upper.split())


def airline_object(carrier: Carrier) -> dict[str, Any]:
    """Duffel Airline."""
    return {
        "id": f"arl_{carrier.code.lower()}",
        "name": _display_name(carrier.name),
        "iata_code": carrier.code,
        "logo_symbol_url": None,
        "logo_lockup_url": None,
        "conditions_of_carriage_url": None,
    }


def aircraft_object(code: str) -> dict[str, Any]:
    """Duffel Aircraft."""
    return {"id": f"arc_{code.lower()}", "iata_code": code, "name": AIRCRAFT[code].title()}
