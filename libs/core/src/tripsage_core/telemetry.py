"""OpenTelemetry traces and metrics, DogStatsD metrics and W3C trace-context propagation."""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import structlog
from datadog.dogstatsd.base import DogStatsd
from opentelemetry import context, metrics, propagate, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

log = structlog.get_logger(__name__)

# Probes and scrapes would otherwise dominate trace volume without telling anyone anything.
_UNTRACED_PATHS = "/health$,/healthz$,/ready$,/readyz$,/livez$,/metrics$"
# The receive/send child spans double the per-request cost and carry nothing Datadog shows.
_UNTRACED_ASGI_EVENTS: list[Literal["receive", "send"]] = ["receive", "send"]
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})
_SPAN_QUEUE_SIZE = 2048
_STATSD_QUEUE_SIZE = 4096
_MARKER = "_tripsage_telemetry"
_globals_lock = threading.Lock()
_globals_claimed = False
_I = TypeVar("_I", metrics.Counter, metrics.Histogram)


class TelemetryConfig(BaseModel):
    """Where telemetry goes; everything is off unless an endpoint or DogStatsD host is set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    otlp_endpoint: str | None = None
    otlp_headers: dict[str, str] = Field(default_factory=dict)
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    dogstatsd_host: str | None = None
    dogstatsd_port: int = Field(default=8125, ge=1, le=65535)
    export_interval_s: float = Field(default=10.0, gt=0.0)
    export_timeout_s: float = Field(default=5.0, gt=0.0)

    @field_validator("otlp_endpoint", "dogstatsd_host")
    @classmethod
    def _blank_means_unset(cls, value: str | None) -> str | None:
        # An empty environment variable must switch the exporter off, not point it at "".
        if value is None or not value.strip():
            return None
        return value.strip()


class Telemetry:
    """Handle on the configured exporters; cheap no-ops for whatever is not configured."""

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        statsd: DogStatsd | None,
        shutdown_timeout_s: float,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._meter = meter_provider.get_meter("tripsage_core") if meter_provider else None
        self._statsd = statsd
        self._shutdown_timeout_s = shutdown_timeout_s
        self._counters: dict[str, metrics.Counter] = {}
        self._histograms: dict[str, metrics.Histogram] = {}
        self._instrument_lock = threading.Lock()
        self._closed = False

    @property
    def enabled(self) -> bool:
        """True when any exporter is configured."""
        return self._tracer_provider is not None or self._statsd is not None

    @property
    def tracing(self) -> bool:
        """True when spans are recorded and exported."""
        return self._tracer_provider is not None

    def instrument_app(self, app: FastAPI) -> None:
        """Trace incoming requests, or with tracing off only adopt the caller's trace context."""
        if getattr(app, _MARKER, False):
            return
        setattr(app, _MARKER, True)
        if self._tracer_provider is None:
            _wrap_outermost(app, _TraceContextMiddleware)
            return
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self._tracer_provider,
            meter_provider=self._meter_provider,
            excluded_urls=_UNTRACED_PATHS,
            exclude_spans=_UNTRACED_ASGI_EVENTS,
        )

    def aiohttp_trace_configs(self) -> list[Any]:
        """aiohttp TraceConfigs that record client spans when tracing; none otherwise (the client injects context)."""
        if self._tracer_provider is None:
            return []
        from opentelemetry.instrumentation.aiohttp_client import create_trace_config

        return [create_trace_config(tracer_provider=self._tracer_provider)]

    def increment(self, metric: str, value: int = 1, tags: Mapping[str, str] | None = None) -> None:
        """Count an event on DogStatsD if configured, else on the OTel counter of the same name."""
        self._emit(DogStatsd.increment, self._counter, metric, value, tags)

    def timing(self, metric: str, ms: float, tags: Mapping[str, str] | None = None) -> None:
        """Record a duration in milliseconds on DogStatsD if configured, else on the OTel histogram of that name."""
        self._emit(DogStatsd.timing, self._histogram, metric, ms, tags)

    def shutdown(self, timeout_s: float | None = None) -> None:
        """Flush and stop every exporter, giving up after the timeout so exit never hangs."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.shutdown)
        deadline = time.monotonic() + (self._shutdown_timeout_s if timeout_s is None else timeout_s)
        budget_ms = max(0.0, deadline - time.monotonic()) * 1000
        closers: list[Callable[[], object]] = []
        if self._tracer_provider is not None:
            closers.append(self._tracer_provider.shutdown)
        if self._meter_provider is not None:
            meter_provider = self._meter_provider
            closers.append(lambda: meter_provider.shutdown(timeout_millis=budget_ms))
        if self._statsd is not None:
            statsd = self._statsd
            closers.append(lambda: statsd.stop(timeout=budget_ms / 1000))
        # Each closer runs on its own daemon thread: a hung export cannot hold up the others or the caller.
        threads = [
            threading.Thread(target=_quietly(c), name="tripsage-telemetry-shutdown", daemon=True) for c in closers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            log.warning("telemetry_shutdown_timed_out", timeout_s=round(budget_ms / 1000, 3))

    def _emit(
        self,
        to_statsd: Callable[..., None],
        otel_recorder: Callable[[str], Callable[..., None]],
        metric: str,
        value: float,
        tags: Mapping[str, str] | None,
    ) -> None:
        if self._closed:
            return
        # One path only: a Datadog agent takes both DogStatsD and OTLP, and would count every event twice.
        if self._statsd is not None:
            to_statsd(self._statsd, metric, value, tags=_statsd_tags(tags))
        elif self._meter is not None:
            otel_recorder(metric)(value, attributes=tags)

    def _counter(self, name: str) -> Callable[..., None]:
        """`add` of the OTel counter of this name."""
        return self._instrument(self._counters, name, lambda meter: meter.create_counter(name)).add

    def _histogram(self, name: str) -> Callable[..., None]:
        """`record` of the OTel histogram (in ms) of this name."""
        return self._instrument(self._histograms, name, lambda meter: meter.create_histogram(name, unit="ms")).record

    def _instrument(self, made: dict[str, _I], name: str, create: Callable[[metrics.Meter], _I]) -> _I:
        # Kept here: the SDK's create_* takes a registration lock on every call, and metrics are on the request path.
        instrument = made.get(name)
        if instrument is None:
            assert self._meter is not None
            with self._instrument_lock:
                instrument = made.setdefault(name, create(self._meter))
        return instrument


def setup_telemetry(*, service: str, version: str, environment: str, config: TelemetryConfig) -> Telemetry:
    """Build exporters for whatever the config names; with nothing configured, start nothing."""
    # W3C trace context only: the one format every hop and the Datadog Agent agree on, whatever OTEL_* says.
    propagate.set_global_textmap(TraceContextTextMapPropagator())
    # While the collector is down the SDK warns once per dropped span, on the request path; export
    # failures are still logged once per batch at ERROR, which is signal enough.
    logging.getLogger("opentelemetry.sdk._shared_internal").setLevel(logging.ERROR)
    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    if config.otlp_endpoint is not None:
        resource = Resource.create(
            {
                "service.name": service,
                "service.version": version,
                "deployment.environment": environment,
                "deployment.environment.name": environment,
            }
        )
        tracer_provider = _tracer_provider(resource, config)
        meter_provider = _meter_provider(resource, config)
        _claim_process_globals(tracer_provider, meter_provider)
    statsd = _statsd(service, version, environment, config) if config.dogstatsd_host is not None else None
    telemetry = Telemetry(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        statsd=statsd,
        shutdown_timeout_s=config.export_timeout_s,
    )
    if telemetry.enabled:
        # Providers are built with shutdown_on_exit=False; this bounded shutdown replaces their unbounded one.
        atexit.register(telemetry.shutdown)
    log.info(
        "telemetry_configured",
        tracing=tracer_provider is not None,
        otlp_endpoint=config.otlp_endpoint,
        dogstatsd=statsd is not None,
        sample_ratio=config.sample_ratio,
    )
    return telemetry


def inject_trace_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add the current context's W3C traceparent/tracestate to headers and return them."""
    propagate.inject(headers)
    return headers


def current_trace_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) in hex of the current span, sampled or not, for log correlation."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


class _TraceContextMiddleware:
    """Makes an incoming traceparent the current context when tracing is off, so it reaches the next hop."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        if not carrier:
            await self._app(scope, receive, send)
            return
        token = context.attach(propagate.extract(carrier))
        try:
            await self._app(scope, receive, send)
        finally:
            context.detach(token)


def _wrap_outermost(app: FastAPI, middleware: Callable[[ASGIApp], ASGIApp]) -> None:
    # Outside every user middleware (as the OTel instrumentor does) so request logs see the context.
    build_inner = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return middleware(build_inner())

    setattr(app, "build_middleware_stack", build_middleware_stack)  # noqa: B010


def _tracer_provider(resource: Resource, config: TelemetryConfig) -> TracerProvider:
    provider = TracerProvider(
        resource=resource,
        sampler=ParentBased(TraceIdRatioBased(config.sample_ratio)),
        shutdown_on_exit=False,
    )
    exporter = OTLPSpanExporter(
        endpoint=_signal_url(config, "traces"),
        headers=config.otlp_headers,
        timeout=config.export_timeout_s,
    )
    # Spans only enter a bounded in-memory queue on the request path; a full queue drops, never waits.
    provider.add_span_processor(
        BatchSpanProcessor(
            exporter,
            max_queue_size=_SPAN_QUEUE_SIZE,
            schedule_delay_millis=config.export_interval_s * 1000,
            export_timeout_millis=config.export_timeout_s * 1000,
        )
    )
    return provider


def _meter_provider(resource: Resource, config: TelemetryConfig) -> MeterProvider:
    # The Datadog Agent wants delta temporality for counters and histograms sent over OTLP.
    delta = AggregationTemporality.DELTA
    exporter = OTLPMetricExporter(
        endpoint=_signal_url(config, "metrics"),
        headers=config.otlp_headers,
        timeout=config.export_timeout_s,
        preferred_temporality={Counter: delta, Histogram: delta},
    )
    reader = PeriodicExportingMetricReader(
        exporter,
        export_interval_millis=config.export_interval_s * 1000,
        export_timeout_millis=config.export_timeout_s * 1000,
    )
    provider = MeterProvider(resource=resource, metric_readers=[reader], shutdown_on_exit=False)
    return provider


def _claim_process_globals(tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    # The global providers and the driver patches are process-wide and settable once, so the first
    # configured Telemetry gets them; later ones (tests building several apps) still trace their own
    # requests and clients, which are handed their providers explicitly.
    global _globals_claimed
    with _globals_lock:
        if _globals_claimed:
            return
        _globals_claimed = True
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
        for instrumentor in _driver_instrumentors():
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)


# Each service installs only the drivers it uses (time has no database), so instrument the ones present.
_DRIVER_INSTRUMENTORS = {
    "asyncpg": ("opentelemetry.instrumentation.asyncpg", "AsyncPGInstrumentor"),
    "redis": ("opentelemetry.instrumentation.redis", "RedisInstrumentor"),
}


def _driver_instrumentors() -> list[Any]:
    found = []
    for driver, (module, name) in _DRIVER_INSTRUMENTORS.items():
        if importlib.util.find_spec(driver) is not None:
            found.append(getattr(importlib.import_module(module), name)())
    return found


def _statsd(service: str, version: str, environment: str, config: TelemetryConfig) -> DogStatsd:
    # Background sender with a bounded queue: DNS lookups and socket errors happen off the request path,
    # and a full queue drops the metric instead of waiting.
    return DogStatsd(
        host=config.dogstatsd_host,
        port=config.dogstatsd_port,
        constant_tags=[f"env:{environment}", f"service:{service}", f"version:{version}"],
        disable_background_sender=False,
        sender_queue_size=_STATSD_QUEUE_SIZE,
        sender_queue_timeout=0,
    )


def _signal_url(config: TelemetryConfig, signal: str) -> str:
    assert config.otlp_endpoint is not None
    return f"{config.otlp_endpoint.rstrip('/')}/v1/{signal}"


def _statsd_tags(tags: Mapping[str, str] | None) -> list[str] | None:
    if not tags:
        return None
    return [f"{key}:{value}" for key, value in tags.items()]


def _quietly(close: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            close()
        except Exception as exc:
            log.warning("telemetry_shutdown_failed", error=str(exc))

    return run
