"""OpenAPI as the API really behaves: problem+json errors, bearer auth on all but the probes, no FastAPI defaults."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tripsage_core.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details; branch on `type`, never on `detail`.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri", "examples": [PROBLEM_TYPE_BASE + "validation-failed"]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
        },
        "additionalProperties": True,
    },
    "FieldProblem": {
        "title": "FieldProblem",
        "type": "object",
        "required": ["field", "location", "message"],
        "properties": {
            "field": {"type": "string", "examples": ["lat"]},
            "location": {"type": "string", "enum": ["query", "body", "path", "header"]},
            "message": {"type": "string"},
        },
    },
}
# The only routes anyone may call without a token: liveness and readiness probes.
_OPEN_PATHS = frozenset({"/health", "/ready"})
_DEFAULT_PROBLEMS = {
    "401": "Missing, expired or invalid bearer token",
    "422": "Invalid input; `errors` names each field",
    "500": "Unexpected error (no internals are shown)",
    # Any route may depend on something down (a provider, the database, the service behind the gateway).
    "503": "A dependency is unavailable or its circuit is open; retry after `Retry-After` when given",
    "504": "A dependency did not answer within the time budget",
}
# Answered before the input reaches the route's model: bytes that are not UTF-8, or more bytes than allowed.
_UNREADABLE = "The body or query string could not be read (not UTF-8)"
_TOO_LARGE = "The request body is larger than the service accepts"


def with_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite every error response to problem+json and declare bearer auth on every route but the probes."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(PROBLEM_SCHEMAS)
    components["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if path not in _OPEN_PATHS:
                operation["security"] = [{"bearerAuth": []}]
                for code, description in _DEFAULT_PROBLEMS.items():
                    responses.setdefault(code, {"description": description})
            has_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
            if "requestBody" in operation or has_query:
                responses.setdefault("400", {"description": _UNREADABLE})
            if "requestBody" in operation:
                responses.setdefault("413", {"description": _TOO_LARGE})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problem_responses(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
