"""The app factory every service uses: logging, telemetry, auth, errors, request context, health and readiness.

A service passes its own lifespan (which opens and closes its clients and yields a typed state object) and its
readiness checks; everything operational is shared so that every service behaves the same under a probe or a SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from types import FrameType
from typing import Any, Generic, TypeVar

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tripsage_core.asgi import HttpMiddleware
from tripsage_core.auth import CurrentUser, TokenVerifier
from tripsage_core.edge import EdgeMiddleware
from tripsage_core.errors import ServiceUnavailable, install_error_handlers, problem_response
from tripsage_core.fault import FaultMiddleware
from tripsage_core.flags import FeatureFlags
from tripsage_core.jsonutil import ORJSONResponse
from tripsage_core.logging import configure_logging
from tripsage_core.openapi import install_openapi
from tripsage_core.settings import ServiceSettings
from tripsage_core.telemetry import Telemetry, TelemetryConfig, setup_telemetry

StateT = TypeVar("StateT")
log = structlog.get_logger(__name__)

READINESS_TIMEOUT_S = 1.0
_QUIET_PATHS = frozenset({"/health", "/ready"})
_REQUEST_ID_MAX = 128


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """A dependency probe; a failing `critical` check makes `/ready` answer 503, others are only reported."""

    probe: Callable[[], Awaitable[Any]]
    critical: bool = True


@dataclass(frozen=True, slots=True)
class ServiceSpec(Generic[StateT]):
    """What a service contributes to the shared app; settings and flags are given to each app built from it.

    The lifespan reads them from `app.state.settings` and `app.state.flags`; the API description is the service
    package's own (its pyproject `description`).
    """

    name: str
    routers: Sequence[APIRouter]
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[StateT]]
    readiness: Callable[[StateT], Mapping[str, ReadinessCheck]] = lambda _state: {}
    # Innermost first: inside the shared layers (request id, edge limits, tracing), outside the router and the
    # exception handlers, which such a middleware may call itself (the gateway's forwarding fast path).
    inner_middleware: Sequence[Callable[[ASGIApp], ASGIApp]] = ()


class _Draining:
    """Set on SIGTERM; the server keeps accepting for `delay_s` so balancers see /ready 503 before the listener closes.

    Without the delay uvicorn closes its listener at once: a probe gets "connection refused" rather than 503, and a
    client reusing an idle keep-alive connection races the close and sees a reset.
    """

    def __init__(self, delay_s: float = 0.0) -> None:
        self.started = False
        self.delay_s = delay_s

    def hook_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)

            def handler(sig: int, frame: FrameType | None, _previous: Any = previous) -> None:
                if not callable(_previous):
                    self.started = True
                    return
                if self.started or self.delay_s <= 0:  # a second signal: the operator wants out now
                    self.started = True
                    _previous(sig, frame)
                    return
                self.started = True
                log.info("draining", delay_s=self.delay_s)
                loop.call_soon_threadsafe(loop.call_later, self.delay_s, _previous, sig, frame)

            try:
                signal.signal(signum, handler)
            except ValueError:  # not the main thread (an app served from a test thread): nothing to hook
                return


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if 0 < len(candidate) <= _REQUEST_ID_MAX and candidate.isascii() and candidate.replace("-", "").isalnum():
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware(HttpMiddleware):
    """Request id in, request id out, one access log line."""

    def __init__(self, app: ASGIApp, *, access_log: bool, draining: _Draining | None = None) -> None:
        super().__init__(app)
        self.access_log = access_log
        self.draining = draining

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                if self.draining is not None and self.draining.started:
                    # Clients drop this connection after the response, so none is idle when the listener closes.
                    headers.append((b"connection", b"close"))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope["path"]
            if self.access_log and (path not in _QUIET_PATHS or status != 200):
                log.info(
                    "request",
                    method=scope["method"],
                    path=path,
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")


async def _run_check(check: ReadinessCheck) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_S):
            details = await check.probe()
    except Exception as exc:
        return {"status": "down", "critical": check.critical, "error": type(exc).__name__ + ": " + str(exc)[:200]}
    result: dict[str, Any] = {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    if isinstance(details, Mapping):
        result.update(details)
    return result


def _ops_router(spec: ServiceSpec[Any], flags: FeatureFlags, draining: _Draining) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness: the process is up (no dependency checks)")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @router.get(
        "/ready",
        summary="Readiness: this service's dependencies answer",
        responses={503: {"description": "Draining or a critical dependency is down"}},
    )
    async def ready(request: Request) -> Response:
        if draining.started:
            return problem_response(ServiceUnavailable("Shutting down.", extensions={"checks": {}}))
        checks = spec.readiness(request.app.state.service)
        results = await asyncio.gather(*(_run_check(c) for c in checks.values()))
        named = dict(zip(checks, results, strict=True))
        if any(r["status"] != "ok" and r.get("critical") for r in named.values()):
            return problem_response(ServiceUnavailable("A dependency is down.", extensions={"checks": named}))
        return ORJSONResponse({"status": "ready", "service": spec.name, "checks": named})

    @router.get("/flags", summary="Feature flags in force in this process")
    async def feature_flags(_user: CurrentUser) -> dict[str, bool]:
        # Behind a token like every route but the probes and the API description: flags reveal unreleased features.
        return flags.model_dump()

    return router


def _package_description(service: str) -> str:
    try:
        return metadata.metadata(f"tripsage-{service}")["Summary"] or ""
    except metadata.PackageNotFoundError:  # an app assembled in a test, not a service package
        return ""


def create_service_app(
    spec: ServiceSpec[StateT], settings: ServiceSettings, flags: FeatureFlags | None = None
) -> FastAPI:
    """Build a FastAPI app for one service from its spec, with these settings and feature flags."""
    flags = flags or FeatureFlags()
    configure_logging(
        service=spec.name,
        environment=settings.environment,
        version=settings.version,
        level=settings.log_level,
        secrets=settings.secret_values().values(),
    )
    telemetry = setup_telemetry(
        service=spec.name,
        version=settings.version,
        environment=settings.environment,
        config=TelemetryConfig(
            otlp_endpoint=settings.otlp_endpoint,
            dogstatsd_host=settings.dogstatsd_host,
            dogstatsd_port=settings.dogstatsd_port,
            sample_ratio=settings.trace_sample_ratio,
        ),
    )
    draining = _Draining(settings.drain_delay_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        draining.hook_signals()
        log.info(
            "starting",
            port=settings.port,
            environment=settings.environment,
            feature_flags=flags.model_dump(),
            telemetry=telemetry.enabled,
        )
        try:
            async with spec.lifespan(app) as state:
                app.state.service = state
                yield
        finally:
            log.info("stopped")
            telemetry.shutdown()

    # FastAPIOffline serves /docs and /redoc with bundled assets: no CDN, so docs work offline and under a strict CSP.
    app = FastAPIOffline(
        title=f"TripSage {spec.name}",
        version=settings.version,
        description=_package_description(spec.name),
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        # Tracing is tripsage_core.telemetry's (one way, spans or context only). FastAPI's native telemetry would
        # otherwise ask OpenTelemetry for its providers on every request, ~4% of the gateway's CPU (issue 20).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.flags = flags
    app.state.telemetry = telemetry
    app.state.draining = draining
    app.state.token_verifier = TokenVerifier(
        secret=settings.jwt_secret,
        jwks_url=settings.jwt_jwks_url,
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(_ops_router(spec, flags, draining))
    for router in spec.routers:
        app.include_router(router)
    for middleware in spec.inner_middleware:
        app.add_middleware(middleware)
    telemetry.instrument_app(app)
    app.add_middleware(EdgeMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID", "traceparent"],
            expose_headers=[
                "X-Request-ID",
                "X-Cache",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
                "Location",
                "Idempotent-Replayed",
            ],
            max_age=600,
        )
    if settings.inject_faults:
        log.warning(
            "fault switch on",
            status=settings.inject_fault_status,
            every=settings.inject_fault_every,
            delay_s=settings.inject_delay_s,
        )
        app.add_middleware(
            FaultMiddleware,
            status=settings.inject_fault_status,
            every=settings.inject_fault_every,
            delay_s=settings.inject_delay_s,
        )
    app.add_middleware(RequestContextMiddleware, access_log=settings.access_log, draining=draining)
    return app


def telemetry_of(app: FastAPI) -> Telemetry:
    telemetry: Telemetry = app.state.telemetry
    return telemetry


def state_part(attribute: str) -> Callable[[Request], Awaitable[Any]]:
    """A FastAPI dependency for one part of the service's lifespan state; the `Annotated` alias using it gives the type.

    `Trips = Annotated[TripService, Depends(state_part("trips"))]` is how a service reaches a part of its state
    (a provider-backed service's domain is `tripsage_cache.provider_backed.domain_of`)."""

    # async: FastAPI runs a plain `def` dependency in its thread pool, one thread hop per request.
    async def part(request: Request) -> Any:
        return getattr(request.app.state.service, attribute)

    part.__name__ = f"state_{attribute}"
    return part
