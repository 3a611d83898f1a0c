"""Calls to Google's current Maps APIs (Routes v2, Places New) over plain HTTP, through the shared provider layer.

Both speak JSON with the key in `X-Goog-Api-Key` (never in a URL, so nothing we log can carry it) and a required
`X-Goog-FieldMask`, and fail with a `google.rpc.Status` body, `{"error": {"code", "message", "status",
"details"}}`, which `classify` sorts into the shared provider errors:

    INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE   rejected: 422 naming our field
    NOT_FOUND                                             not found: the adapter's 404 or a 422 naming our field
    PERMISSION_DENIED, UNAUTHENTICATED                    misconfigured: 502, logged at error level
    RESOURCE_EXHAUSTED (429)                              rate limited: retried after Retry-After if it fits
    UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED (5xx)        outage: retried, counted by the circuit
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from tripsage_core.errors import (
    FieldProblem,
    ProviderMalformed,
    ProviderMisconfigured,
    ProviderRejected,
    TripSageError,
    ValidationFailed,
)
from tripsage_http import CallPolicy, Failure, FailureKind, ProviderCaller, ServiceClient, UpstreamUnavailable
from tripsage_http.provider import ProviderAnswered, ProviderUnreadable
from tripsage_http.resilience import retry_after_s

log = structlog.get_logger(__name__)

_REJECTED = frozenset({"INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"})
_DENIED = frozenset({"PERMISSION_DENIED", "UNAUTHENTICATED"})


@dataclass(frozen=True, slots=True)
class Blame:
    """Which of our request fields a rejection names: `default`, or the one Google's field violation points at."""

    default: str
    location: str = "query"
    # Google's request field (first path segment, snake_case) -> our public field.
    by_google_field: Mapping[str, str] | None = None
    not_found: Callable[[], TripSageError] | None = None

    def field_for(self, violations: Sequence[str]) -> str:
        for violation in violations:
            head = violation.split(".")[0].split("[")[0]
            ours = (self.by_google_field or {}).get(head)
            if ours is not None:
                return ours
        return self.default


def _rpc_status(content: bytes) -> tuple[str, str, list[str]]:
    """(status, message, violated request fields) of a google.rpc.Status body; empty strings when unreadable."""
    try:
        error = orjson.loads(content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return "", "", []
    violations = [
        str(violation.get("field", ""))
        for detail in error.get("details") or []
        if isinstance(detail, dict)
        for violation in detail.get("fieldViolations") or []
        if isinstance(violation, dict)
    ]
    return str(error.get("status", "")), str(error.get("message", ""))[:300], violations


def classify(exc: BaseException, blame: Blame, provider: str) -> Failure | None:
    """Sort a current-API failure for the provider layer; None for exceptions that are not Google's doing."""
    if isinstance(exc, UpstreamUnavailable):
        return Failure(FailureKind.UNAVAILABLE, f"{provider} cannot be reached")
    if isinstance(exc, ProviderUnreadable):
        return Failure(FailureKind.MALFORMED, "unreadable answer", error=ProviderMalformed(f"{provider} {exc}"))
    if not isinstance(exc, ProviderAnswered):
        return None
    status, message, violations = _rpc_status(exc.response.content)
    code = exc.response.status_code
    if code == 429 or status == "RESOURCE_EXHAUSTED":
        return Failure(FailureKind.RATE_LIMITED, status or "HTTP 429", code, retry_after_s(exc.response.headers))
    if code >= 500:
        return Failure(FailureKind.UNAVAILABLE, f"{status or 'HTTP'} {code}", code)
    if status in _DENIED or code in (401, 403):
        # Loud: our key, billing or an API not enabled for the project, not the caller's request.
        log.error("provider_request_denied", provider="google", api=exc.operation, status=status, message=message)
        denied = ProviderMisconfigured("The maps provider refused our request; the operators have been alerted.")
        return Failure(FailureKind.MISCONFIGURED, status or f"HTTP {code}", code, error=denied)
    field = blame.field_for(violations)
    if status == "NOT_FOUND" or code == 404:
        error = blame.not_found() if blame.not_found else None
        unknown = error or ValidationFailed.for_field(field, "not found by the maps provider", location=blame.location)
        return Failure(FailureKind.NOT_FOUND, "NOT_FOUND", code, error=unknown)
    if status in _REJECTED or 400 <= code < 500:
        reason = f"the maps provider rejected it ({status or code})"
        rejected = ProviderRejected(
            f"Invalid value for '{field}': {reason}",
            errors=[FieldProblem(field=field, location=blame.location, message=reason)],
        )
        log.info("provider_rejected", provider="google", api=exc.operation, status=status, message=message)
        return Failure(FailureKind.REJECTED, status or f"HTTP {code}", code, error=rejected)
    return Failure(FailureKind.MALFORMED, f"HTTP {code}", code, error=ProviderMalformed(f"{provider} answered {code}."))


class GoogleRpcCaller:
    """One current Google API host (routes.googleapis.com or places.googleapis.com) behind its own circuit."""

    def __init__(self, client: ServiceClient, *, key: str, provider: str, policy: CallPolicy) -> None:
        self._client = client
        self._key = key
        self.provider = provider
        self.caller = ProviderCaller(
            client.name, provider=provider, classify=lambda exc: classify(exc, Blame("query"), provider), policy=policy
        )

    async def request(
        self,
        api: str,
        method: str,
        path: str,
        *,
        field_mask: str,
        blame: Blame,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one call under the shared policy; the decoded JSON answer (an object, or the matrix's array)."""
        headers = {"X-Goog-Api-Key": self._key, "X-Goog-FieldMask": field_mask}

        async def send() -> Any:
            # Reads only: retrying a computeRoutes or a search cannot do anything twice.
            response = await self._client.request(method, path, json=body, headers=headers, idempotent=True)
            if not response.is_success:
                raise ProviderAnswered(response, api)
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:
                log.warning("provider_malformed_answer", provider="google", api=api)
                raise ProviderUnreadable("sent an unreadable answer.") from None

        return await self.caller.call(api, send, classify=lambda exc: classify(exc, blame, self.provider))

    async def status(self) -> dict[str, Any]:
        return await self.caller.status()

    async def aclose(self) -> None:
        await self.caller.aclose()
        await self._client.aclose()
