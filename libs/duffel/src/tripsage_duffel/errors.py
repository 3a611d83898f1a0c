"""How Duffel's answers are sorted for the shared provider layer.

Duffel's error envelope is `{"errors": [{"type", "title", "message", "code", "source": {"field", "pointer"}}],
"meta": {"request_id", "status"}}`. Its 429 carries `retry-after` and the `ratelimit-limit/remaining/reset`
headers (`reset`: an HTTP date, when the window frees up). Offers and rates that can no longer be had come back as
422 `invalid_state_error`: for us that resource is gone (not found), not a refusal of our input.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog

from tripsage_core.errors import FieldProblem, ProviderNotFound, ProviderRejected
from tripsage_http import Failure, FailureKind, UpstreamResponse, UpstreamUnavailable
from tripsage_http.provider import ProviderAnswered, ProviderUnreadable
from tripsage_http.resilience import MAX_RETRY_AFTER_S, retry_after_s

log = structlog.get_logger(__name__)

PROVIDER = "Duffel"
_TOKEN_HINT = "check the *_DUFFEL_ACCESS_TOKEN variable (duffel_test_… for test mode, duffel_live_… for live)"  # noqa: S105
# Codes meaning "that offer or rate cannot be had any more": the caller should search again.
GONE_CODES = frozenset({"offer_no_longer_available", "rate_unavailable", "not_found"})


def amount(value: Any) -> float | None:
    """Duffel writes money as decimal strings ("123.45"); None when absent or unreadable."""
    if value is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return round(float(value), 2)
    return None


@dataclass(frozen=True, slots=True)
class _Errors:
    codes: list[str] = field(default_factory=list)
    entries: list[Mapping[str, Any]] = field(default_factory=list)
    request_id: str | None = None

    @property
    def detail(self) -> str:
        parts = [str(e.get("message") or e.get("title") or "") for e in self.entries]
        return "; ".join(p for p in parts if p)[:500]


def _errors(response: UpstreamResponse) -> _Errors:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return _Errors()
    if not isinstance(body, dict):
        return _Errors()
    entries = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
    meta = body.get("meta")
    request_id = meta.get("request_id") if isinstance(meta, Mapping) else None
    return _Errors([str(e.get("code", "")) for e in entries], entries, request_id)


def rate_limit_wait_s(headers: Mapping[str, str] | Any) -> float | None:
    """Retry-After when sent, else the time until `ratelimit-reset`; capped like every provider's wait."""
    wait = retry_after_s(headers)
    if wait is not None:
        return wait
    reset = headers.get("ratelimit-reset") if hasattr(headers, "get") else None
    if not reset:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(reset)).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, min(moment - time.time(), MAX_RETRY_AFTER_S))


def classify(exc: BaseException, *, fields: Mapping[str, str] | None = None, location: str = "query") -> Failure | None:
    """Sort a Duffel answer or a transport failure; `fields` maps Duffel's field paths to the caller's names."""
    if isinstance(exc, UpstreamUnavailable):
        return Failure(FailureKind.UNAVAILABLE, exc.detail)
    if isinstance(exc, ProviderUnreadable):
        return Failure(FailureKind.MALFORMED, str(exc))
    if not isinstance(exc, ProviderAnswered):
        return None
    status, found = exc.response.status_code, _errors(exc.response)
    detail = found.detail or f"HTTP {status}"
    log.warning(
        "provider_error",
        provider=PROVIDER,
        operation=exc.operation,
        status=status,
        codes=found.codes,
        request_id=found.request_id,
    )
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, detail, status, rate_limit_wait_s(exc.response.headers))
    if status >= 500:
        return Failure(FailureKind.UNAVAILABLE, detail, status)
    if status in (401, 403):
        # Loud on purpose: every call fails until someone fixes the token (test vs live mode, or revoked).
        log.error("provider_credentials_rejected", provider=PROVIDER, status=status, hint=_TOKEN_HINT)
        return Failure(FailureKind.MISCONFIGURED, detail, status)
    if status == 404 or GONE_CODES.intersection(found.codes):
        gone = ProviderNotFound(f"{PROVIDER} no longer has this resource: {detail}")
        return Failure(FailureKind.NOT_FOUND, detail, status, error=gone)
    return Failure(FailureKind.REJECTED, detail, status, error=_rejected(found, fields or {}, location))


def _rejected(found: _Errors, fields: Mapping[str, str], location: str) -> ProviderRejected:
    """A 422 naming our field for each Duffel field it complained about."""
    problems: list[FieldProblem] = []
    for entry in found.entries:
        source = entry.get("source")
        theirs = str(source.get("field") or "") if isinstance(source, Mapping) else ""
        message = str(entry.get("message") or entry.get("title") or "rejected by the provider")
        problems.append(FieldProblem(field=fields.get(theirs, theirs or "query"), location=location, message=message))
    text = f"{PROVIDER} rejected the request: {found.detail}" if found.detail else f"{PROVIDER} rejected it."
    return ProviderRejected(
        text, errors=problems, extensions={"provider_codes": found.codes, "provider_request_id": found.request_id}
    )
