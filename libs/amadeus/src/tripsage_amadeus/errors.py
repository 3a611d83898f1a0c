"""Amadeus failures as TripSage errors, and how each SDK exception is classified."""

from __future__ import annotations

import http.client
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import amadeus

from tripsage_core.errors import (
    FieldProblem,
    NotFound,
    ServiceUnavailable,
    TripSageError,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)


class ProviderRejected(ValidationFailed):
    """The provider refused the request's content (its 400): a 422 carrying its message."""

    code = "provider-rejected"

    def __init__(self, detail: str, *, errors: list[FieldProblem], provider_codes: list[int]) -> None:
        super().__init__(detail, errors=errors, extensions={"provider_codes": provider_codes})
        self.provider_codes = provider_codes


class ProviderNotFound(NotFound):
    code = "provider-not-found"


class ProviderMisconfigured(UpstreamError):
    """The provider refused our credentials (401/403): an operator must act, retrying cannot help."""

    code = "provider-misconfigured"


class ProviderRateLimited(ServiceUnavailable):
    code = "provider-rate-limited"


class ProviderUnavailable(ServiceUnavailable):
    code = "provider-unavailable"


class ProviderTimeout(UpstreamTimeout):
    code = "provider-timeout"


def is_transient(exc: Exception) -> bool:
    """Whether a stale cached answer may stand in for this failure (outages, not bad requests)."""
    return isinstance(exc, TripSageError) and exc.status_code >= 500


Kind = Literal["rejected", "not_found", "auth", "rate_limited", "server", "network", "timeout"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, classified."""

    kind: Kind
    status: int | None
    detail: str
    retry_after_s: float | None = None
    result: Any = None

    @property
    def transient(self) -> bool:
        return self.kind in ("server", "network", "timeout")


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return None if seconds is None or math.isnan(seconds) else max(0.0, seconds)


def _provider_detail(result: Any) -> str:
    if isinstance(result, Mapping):
        errors = result.get("errors")
        if isinstance(errors, list) and errors:
            parts = [f"{e.get('title', '')}: {e.get('detail', '')}".strip(": ") for e in errors if isinstance(e, dict)]
            return "; ".join(p for p in parts if p)[:500]
        if "error_description" in result:
            return str(result["error_description"])[:500]
    return ""


def classify(exc: BaseException) -> Failure:
    """Sort an SDK or transport exception into what we do about it."""
    if isinstance(exc, amadeus.ResponseError):
        response = exc.response
        status = getattr(response, "status_code", None)
        result = getattr(response, "result", None)
        detail = _provider_detail(result) or str(exc)[:200]
        if isinstance(exc, amadeus.NetworkError) or status is None:
            reason = getattr(getattr(response, "http_response", None), "reason", None)
            return Failure("timeout" if isinstance(reason, TimeoutError) else "network", None, str(reason or exc))
        if status == 429:
            return Failure("rate_limited", status, detail, _retry_after(getattr(response, "headers", {})))
        if status in (401, 403):
            return Failure("auth", status, detail)
        if status == 404:
            return Failure("not_found", status, detail, result=result)
        if 400 <= status < 500:
            return Failure("rejected", status, detail, result=result)
        # 5xx, and 2xx bodies the SDK could not parse (ParserError): the provider is misbehaving.
        return Failure("server", status, detail or f"HTTP {status}")
    if isinstance(exc, TimeoutError):
        return Failure("timeout", None, "timed out")
    if isinstance(exc, OSError | http.client.HTTPException):
        return Failure("network", None, f"{type(exc).__name__}: {exc}"[:200])
    raise exc


def rejected(failure: Failure, fields: Mapping[str, str], provider: str) -> ProviderRejected:
    """A 422 naming our field for each provider parameter it complained about."""
    problems: list[FieldProblem] = []
    codes: list[int] = []
    errors = failure.result.get("errors", []) if isinstance(failure.result, Mapping) else []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        if isinstance(error.get("code"), int):
            codes.append(error["code"])
        parameter = (error.get("source") or {}).get("parameter")
        field = fields.get(parameter, parameter) if parameter else "query"
        message = str(error.get("detail") or error.get("title") or "rejected by the provider")
        problems.append(FieldProblem(field=str(field), location="query", message=message))
    detail = f"{provider} rejected the request: {failure.detail}" if failure.detail else f"{provider} rejected it."
    return ProviderRejected(detail, errors=problems, provider_codes=codes)
