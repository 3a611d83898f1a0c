"""What the current Google Maps Platform APIs (Routes v2, Places New) share: API keys, field masks, and errors as
`google.rpc.Status` (`{"error": {"code", "message", "status", "details"}}`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox.responses import PLAIN_JSON, json_response

_HTTP_CODES = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
}
KEY_MISSING = "The request is missing a valid API key."
_CAMEL = re.compile(r"_([a-z0-9])")


def status_body(status: str, message: str, details: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """A google.rpc.Status error body."""
    return {"error": {"code": _HTTP_CODES[status], "message": message, "status": status, "details": list(details)}}


def error(status: str, message: str, *details: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A google.rpc.Status error response with the HTTP code that goes with the status."""
    return json_response(status_body(status, message, details), _HTTP_CODES[status], headers=headers)


class InvalidField(Exception):
    """A request field that fails validation; answered as INVALID_ARGUMENT naming the field."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(description)
        self.field = field
        self.description = description


class Refused(Exception):
    """A request refused before the method runs (key, field mask or body); carries the error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """An RPC method: a refusal or an invalid field anywhere in it is answered as google.rpc.Status."""

    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            return refused.response
        except InvalidField as invalid:
            return bad_field(invalid.field, invalid.description)

    return answer


def bad_field(field: str, description: str) -> Response:
    """INVALID_ARGUMENT naming the offending request field (a google.rpc.BadRequest field violation)."""
    violation = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": field, "description": description}],
    }
    return error("INVALID_ARGUMENT", description, violation)


def _error_info(reason: str, service: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": service},
    }


def denied(request: Request, service: str) -> Response | None:
    """403 when neither the X-Goog-Api-Key header nor the `key` parameter carries a key."""
    if request.headers.get("x-goog-api-key", "").strip() or request.query_params.get("key", "").strip():
        return None
    return error("PERMISSION_DENIED", KEY_MISSING, _error_info("API_KEY_INVALID", service))


def camel(path: str) -> str:
    """Field masks may name fields in snake_case or lowerCamelCase; responses use lowerCamelCase."""
    return ".".join(_CAMEL.sub(lambda m: m.group(1).upper(), part) for part in path.split("."))


class FieldMask:
    """A parsed X-Goog-FieldMask: '*' or comma-separated dotted paths into the response."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.tree: dict[str, Any] = {}
        for path in paths:
            if path == "*":
                self.tree = {"*": {}}
                break
            node = self.tree
            for part in path.split("."):
                node = node.setdefault(part, {})

    def unknown(self, known: dict[str, frozenset[str]]) -> str | None:
        """The first path whose first two segments the API does not have ({top: its fields})."""
        for path in self.paths:
            if path == "*":
                continue
            parts = path.split(".")
            if parts[0] not in known:
                return path
            children = known[parts[0]]
            if len(parts) > 1 and children and parts[1] not in children and parts[1] != "*":
                return path
        return None

    def apply(self, value: Any) -> Any:
        """Keep only the masked fields (lists are masked element by element); '*' keeps everything."""
        return _prune(value, self.tree)


def _prune(value: Any, tree: dict[str, Any]) -> Any:
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [_prune(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: _prune(value[key], sub) for key, sub in tree.items() if key in value}


def field_mask(request: Request, example: str) -> FieldMask | Response:
    """The request's field mask, or Google's INVALID_ARGUMENT when there is none."""
    raw = (
        request.headers.get("x-goog-fieldmask")
        or request.query_params.get("fields")
        or request.query_params.get("$fields")
        or ""
    )
    paths = [camel(p.strip()) for p in raw.split(",") if p.strip()]
    if not paths:
        return error(
            "INVALID_ARGUMENT",
            "FieldMask is a required parameter. See https://cloud.google.com/apis/docs/system-parameters on how to "
            f"provide it. As an example, you can set the header 'X-Goog-FieldMask' to value '{example}' to ask "
            "for those fields in the response. You can also set the value to '*' in manual testing.",
        )
    return FieldMask(paths)


def unknown_field(path: str) -> Response:
    """Google's answer to a field mask path the response type does not have."""
    return error(
        "INVALID_ARGUMENT",
        f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'.",
    )


async def json_body(request: Request) -> dict[str, Any] | Response:
    """The request's JSON object, or INVALID_ARGUMENT when it is not one."""
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return error("INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.")
    if not isinstance(body, dict):
        return error("INVALID_ARGUMENT", "Invalid JSON payload received. Expected an object.")
    return body


def enum_name(raw: Any, names: tuple[str, ...]) -> str | None:
    """An enum from a request, sent by name or, as the official REST clients do, by number; None if invalid."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
        number = int(raw)
        return names[number] if 0 <= number < len(names) and names[number] else None
    return raw if isinstance(raw, str) and raw in names else None


def wants_int_enums(request: Request) -> bool:
    """The official clients ask for `$alt=json;enum-encoding=int`: enums in the response come back as numbers."""
    return "enum-encoding=int" in request.query_params.get("$alt", "")


def encode_enums(value: Any, numbers: dict[str, dict[str, int]]) -> Any:
    """Replace enum names by their numbers in the fields listed ({field: {name: number}})."""
    if isinstance(value, list):
        return [encode_enums(item, numbers) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        table = numbers.get(key)
        if table is not None and isinstance(item, str) and item in table:
            out[key] = table[item]
        elif table is not None and isinstance(item, list):
            out[key] = [table.get(v, v) if isinstance(v, str) else v for v in item]
        else:
            out[key] = encode_enums(item, numbers)
    return out


async def prepare(
    request: Request, service: str, known: dict[str, frozenset[str]], example: str
) -> tuple[dict[str, Any], FieldMask]:
    """Check the API key and field mask, read the JSON body (empty for a GET); raises Refused if any fails."""
    refused = denied(request, service)
    if refused is not None:
        raise Refused(refused)
    mask = field_mask(request, example)
    if isinstance(mask, Response):
        raise Refused(mask)
    unknown = mask.unknown(known)
    if unknown is not None:
        raise Refused(unknown_field(unknown))
    if request.method != "POST":
        return {}, mask
    body = await json_body(request)
    if isinstance(body, Response):
        raise Refused(body)
    return body, mask


def respond(request: Request, mask: FieldMask, body: Any, enums: dict[str, dict[str, int]]) -> Any:
    """The masked body, with enums as numbers when the client asked for them."""
    shown = mask.apply(body)
    return encode_enums(shown, enums) if wants_int_enums(request) else shown


def duration(seconds: int) -> str:
    """google.protobuf.Duration in JSON: '754s'."""
    return f"{seconds}s"


def latlng(lat: float, lon: float) -> dict[str, float]:
    """google.type.LatLng in JSON."""
    return {"latitude": round(lat, 7), "longitude": round(lon, 7)}


def rpc_fault(status: int, retry_after_s: int) -> tuple[int, dict[str, str], bytes, str]:
    """A fault answer for the middleware: 429, 500 or 503 as google.rpc.Status."""
    if status == 429:
        body = status_body(
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service.",
        )
        return 429, {"Retry-After": str(retry_after_s)}, orjson.dumps(body), PLAIN_JSON
    if status == 503:
        return 503, {}, orjson.dumps(status_body("UNAVAILABLE", "The service is currently unavailable.")), PLAIN_JSON
    return 500, {}, orjson.dumps(status_body("INTERNAL", "Internal error encountered.")), PLAIN_JSON


def unknown_route(method: str, path: str, status: int) -> Response:
    """404/405 for a path or method the API does not have."""
    if status == 405:
        return error("NOT_FOUND", f"Method {method} is not allowed on {path}.")
    return error("NOT_FOUND", f"{method} {path} is not a method of this API.")
