"""How each Amadeus SDK exception is classified for the shared provider layer, and its 400s as 422s naming our field."""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from typing import Any

import amadeus
import structlog

from tripsage_core.errors import FieldProblem, ProviderMisconfigured, ProviderRejected
from tripsage_http.provider import Failure, FailureKind
from tripsage_http.resilience import retry_after_s

log = structlog.get_logger(__name__)

PROVIDER = "Amadeus"


def _provider_detail(result: Any) -> str:
    if isinstance(result, Mapping):
        errors = result.get("errors")
        if isinstance(errors, list) and errors:
            parts = [f"{e.get('title', '')}: {e.get('detail', '')}".strip(": ") for e in errors if isinstance(e, dict)]
            return "; ".join(p for p in parts if p)[:500]
        if "error_description" in result:
            return str(result["error_description"])[:500]
    return ""


def classify(exc: BaseException, fields: Mapping[str, str] | None = None) -> Failure | None:
    """Sort an SDK or transport exception into what the provider layer does about it."""
    if isinstance(exc, amadeus.ResponseError):
        response = exc.response
        status = getattr(response, "status_code", None)
        result = getattr(response, "result", None)
        detail = _provider_detail(result) or str(exc)[:200]
        if isinstance(exc, amadeus.NetworkError) or status is None:
            reason = getattr(getattr(response, "http_response", None), "reason", None)
            kind = FailureKind.TIMEOUT if isinstance(reason, TimeoutError) else FailureKind.UNAVAILABLE
            return Failure(kind, str(reason or exc))
        if status == 429:
            return Failure(FailureKind.RATE_LIMITED, detail, status, retry_after_s(getattr(response, "headers", {})))
        if status in (401, 403):
            return Failure(FailureKind.MISCONFIGURED, detail, status, error=_misconfigured(status, detail))
        if status == 404:
            return Failure(FailureKind.NOT_FOUND, detail, status)
        if 400 <= status < 500:
            return Failure(FailureKind.REJECTED, detail, status, error=rejected(detail, result, fields or {}))
        # 5xx, and 2xx bodies the SDK could not parse (ParserError): the provider is misbehaving.
        return Failure(FailureKind.UNAVAILABLE, detail or f"HTTP {status}", status)
    if isinstance(exc, TimeoutError):
        return Failure(FailureKind.TIMEOUT, "timed out")
    if isinstance(exc, OSError | http.client.HTTPException):
        return Failure(FailureKind.UNAVAILABLE, f"{type(exc).__name__}: {exc}"[:200])
    return None


def _misconfigured(status: int, detail: str) -> ProviderMisconfigured:
    # Loud on purpose: every call will fail until someone fixes the credentials or the hostname.
    log.error(
        "provider_credentials_rejected",
        provider=PROVIDER,
        status=status,
        detail=detail,
        hint="check the AMADEUS_CLIENT_ID/SECRET variables and AMADEUS_HOSTNAME (test vs production keys)",
    )
    return ProviderMisconfigured(f"{PROVIDER} refused our credentials; this service is misconfigured.")


def rejected(detail: str, result: Any, fields: Mapping[str, str]) -> ProviderRejected:
    """A 422 naming our field for each provider parameter it complained about."""
    problems: list[FieldProblem] = []
    codes: list[int] = []
    errors = result.get("errors", []) if isinstance(result, Mapping) else []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        if isinstance(error.get("code"), int):
            codes.append(error["code"])
        parameter = (error.get("source") or {}).get("parameter")
        field = fields.get(parameter, parameter) if parameter else "query"
        message = str(error.get("detail") or error.get("title") or "rejected by the provider")
        problems.append(FieldProblem(field=str(field), location="query", message=message))
    text = f"{PROVIDER} rejected the request: {detail}" if detail else f"{PROVIDER} rejected it."
    return ProviderRejected(text, errors=problems, extensions={"provider_codes": codes})
