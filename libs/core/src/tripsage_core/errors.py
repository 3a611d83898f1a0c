"""One error hierarchy, rendered everywhere as RFC 9457 `application/problem+json`.

    TripSageError                     500 internal-error
    ├── BadRequest                    400 bad-request
    ├── Unauthorized                  401 unauthorized
    ├── Forbidden                     403 forbidden
    ├── NotFound                      404 not-found
    │   └── OfferNotFound             404 offer-not-found     (flights, stays: search again)
    ├── Conflict                      409 conflict
    ├── ValidationFailed              422 validation-failed  (request validation errors too)
    ├── RateLimited                   429 rate-limited
    ├── UpstreamError                 502 upstream-error
    ├── ServiceUnavailable            503 service-unavailable
    └── UpstreamTimeout               504 upstream-timeout

A third-party provider's trouble has one vocabulary in every service (a mixin, `ProviderError`, marks the family):

    ProviderRejected      422 provider-rejected       the provider refused what we asked (fields named in `errors`)
    ProviderNotFound      404 provider-not-found      the provider knows no such resource
    ProviderMisconfigured 502 provider-misconfigured  the provider refused our credentials or plan: operators act
    ProviderMalformed     502 provider-malformed      the provider answered something we cannot read
    ProviderRateLimited   503 provider-rate-limited   the provider throttles us; `Retry-After` says when to return
    ProviderUnavailable   503 provider-unavailable    unreachable, failing or its circuit is open; `Retry-After` too
    ProviderTimeout       504 provider-timeout        no answer within the service's time budget

The `type` of each problem is a stable URI; clients branch on it, never on `detail`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://tripsage.dev/problems/"

log = structlog.get_logger(__name__)


class FieldProblem(TypedDict):
    """One invalid input: where it was (`query`, `body`, `path`, `header`), which field, and why."""

    field: str
    location: str
    message: str


class TripSageError(Exception):
    """Base of every error a service raises on purpose; subclasses fix status and problem type."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal Server Error"
    # An error that always says the same thing declares it here instead of in an `__init__` of its own.
    default_detail: ClassVar[str | None] = None
    default_errors: ClassVar[tuple[FieldProblem, ...]] = ()

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        detail = detail or self.default_detail or self.title
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or self.default_errors)
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        if self.errors:
            problem["errors"] = self.errors
        problem.update(self.extensions)
        return problem


class BadRequest(TripSageError):
    status_code, code, title = 400, "bad-request", "Bad Request"


class Unauthorized(TripSageError):
    status_code, code, title = 401, "unauthorized", "Unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="tripsage"')


class Forbidden(TripSageError):
    status_code, code, title = 403, "forbidden", "Forbidden"


class NotFound(TripSageError):
    status_code, code, title = 404, "not-found", "Not Found"


class OfferNotFound(NotFound):
    """An offer id the provider does not, or no longer, honour: the client searches again. A service says so in its
    own words (`reason`) and names where the id was sent (`location`)."""

    code = "offer-not-found"
    reason: ClassVar[str] = "unknown or no longer offered; search again"
    location: ClassVar[str] = "body"

    def __init__(self, offer_id: str) -> None:
        super().__init__(
            f"Offer '{offer_id[:80]}' is {self.reason}.",
            errors=[FieldProblem(field="offer_id", location=self.location, message="unknown or expired offer")],
        )


class MethodNotAllowed(TripSageError):
    status_code, code, title = 405, "method-not-allowed", "Method Not Allowed"


class Conflict(TripSageError):
    status_code, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(TripSageError):
    status_code, code, title = 413, "payload-too-large", "Payload Too Large"


class ValidationFailed(TripSageError):
    status_code, code, title = 422, "validation-failed", "Unprocessable Content"

    @classmethod
    def for_field(cls, field: str, message: str, *, location: str = "body") -> ValidationFailed:
        return cls(
            f"Invalid value for '{field}': {message}",
            errors=[FieldProblem(field=field, location=location, message=message)],
        )


class RateLimited(TripSageError):
    status_code, code, title = 429, "rate-limited", "Too Many Requests"


class UpstreamError(TripSageError):
    status_code, code, title = 502, "upstream-error", "Bad Gateway"


class ServiceUnavailable(TripSageError):
    status_code, code, title = 503, "service-unavailable", "Service Unavailable"


class UpstreamTimeout(TripSageError):
    status_code, code, title = 504, "upstream-timeout", "Gateway Timeout"


class ProviderError(TripSageError):
    """Marks the provider family: a third party failed us, whatever the status (stale answers may stand in)."""


class ProviderRejected(ProviderError, ValidationFailed):
    """The provider refused the content of a request (its 4xx): a 422 naming our field where it named its own."""

    code = "provider-rejected"


class ProviderNotFound(ProviderError, NotFound):
    code = "provider-not-found"


class ProviderMisconfigured(ProviderError, UpstreamError):
    """The provider refused our credentials, key or plan: retrying cannot help until an operator acts."""

    code = "provider-misconfigured"


class ProviderMalformed(ProviderError, UpstreamError):
    code = "provider-malformed"


class ProviderRateLimited(ProviderError, ServiceUnavailable):
    """503, not 429: the caller did nothing wrong, our shared quota at the provider is spent."""

    code = "provider-rate-limited"


class ProviderUnavailable(ProviderError, ServiceUnavailable):
    code = "provider-unavailable"


class ProviderTimeout(ProviderError, UpstreamTimeout):
    code = "provider-timeout"


_BY_STATUS: dict[int, type[TripSageError]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        ValidationFailed,
        RateLimited,
        UpstreamError,
        ServiceUnavailable,
        UpstreamTimeout,
    )
}


def problem_response(error: TripSageError, instance: str | None = None) -> Response:
    from tripsage_core.jsonutil import dumps  # local import keeps this module free of import cycles

    return Response(
        dumps(error.to_problem(instance)),
        status_code=error.status_code,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=error.headers,
    )


def field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Turn pydantic's error list into field names a client can show next to its inputs."""
    problems: list[FieldProblem] = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or location
        message = str(err.get("msg", "invalid value"))
        if err.get("type") == "json_invalid":
            field, message = "body", "Request body is not valid JSON"
        problems.append(FieldProblem(field=field, location=location, message=message))
    return problems


async def _tripsage_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TripSageError)
    if exc.status_code >= 500:
        log.warning("request_failed", status=exc.status_code, problem=exc.code, detail=exc.detail)
    return problem_response(exc, request.url.path)


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = field_problems(exc)
    first = problems[0] if problems else FieldProblem(field="body", location="body", message="invalid")
    detail = f"Invalid value for '{first['field']}' in {first['location']}: {first['message']}"
    return problem_response(ValidationFailed(detail, errors=problems), request.url.path)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error_cls = _BY_STATUS.get(exc.status_code, TripSageError)
    detail = exc.detail if isinstance(exc.detail, str) else None
    error = error_cls(detail, headers=dict(exc.headers or {}))
    return problem_response(error, request.url.path)


async def _unhandled_error_handler(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (where it is joined to the trace), never to the caller.
    log.error("unhandled_error", path=request.url.path, exc_info=exc)
    return problem_response(TripSageError("An unexpected error occurred."), request.url.path)


async def _client_disconnect_handler(request: Request, exc: Exception) -> Response:
    # The caller left before its body arrived (a closed tab, a load generator stopping): nothing failed here, and
    # nobody reads the answer; 499, as proxies log it, keeps the access log honest without an error line.
    log.info("client_disconnected", path=request.url.path)
    return Response(status_code=499)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TripSageError, _tripsage_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(ClientDisconnect, _client_disconnect_handler)
    app.add_exception_handler(Exception, _unhandled_error_handler)
