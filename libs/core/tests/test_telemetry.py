"""Telemetry against real servers: an OTLP/HTTP receiver, uvicorn-served apps and a DogStatsD UDP socket."""

from __future__ import annotations

import http.server
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiohttp
import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from opentelemetry import context, propagate
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tripsage_core.telemetry import (
    Telemetry,
    TelemetryConfig,
    current_trace_ids,
    inject_trace_headers,
    setup_telemetry,
)

_EXPORTER_THREAD_PREFIXES = ("otelbatch", "otelperiodic", "tripsage-telemetry", "dogstatsd", "datadog")


class _OtlpReceiver:
    """A minimal OTLP/HTTP collector that decodes and keeps every export it is sent."""

    def __init__(self) -> None:
        self.spans: list[tuple[dict[str, str], Span]] = []
        self.metric_points: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver._record(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, path: str, body: bytes) -> None:
        with self._lock:
            if path == "/v1/traces":
                traces = ExportTraceServiceRequest.FromString(body)
                for resource_spans in traces.resource_spans:
                    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        self.spans.extend((resource, span) for span in scope_spans.spans)
            elif path == "/v1/metrics":
                exported = ExportMetricsServiceRequest.FromString(body)
                for resource_metrics in exported.resource_metrics:
                    for scope_metrics in resource_metrics.scope_metrics:
                        for metric in scope_metrics.metrics:
                            points = [p.as_int for p in metric.sum.data_points] + [
                                p.sum for p in metric.histogram.data_points
                            ]
                            self.metric_points.extend((metric.name, float(v)) for v in points)

    def wait_for_span(self, match: Callable[[Span], bool], timeout_s: float = 5.0) -> tuple[dict[str, str], Span]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                found = [(resource, span) for resource, span in self.spans if match(span)]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError("expected span never reached the OTLP receiver")

    def spans_of_trace(self, trace_id: str) -> list[Span]:
        with self._lock:
            return [span for _, span in self.spans if span.trace_id.hex() == trace_id]

    def metric_total(self, name: str) -> float:
        with self._lock:
            return sum(value for metric, value in self.metric_points if metric == name)

    def __enter__(self) -> _OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def _served(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a free 127.0.0.1 port in a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


@pytest.fixture
def receiver() -> Iterator[_OtlpReceiver]:
    with _OtlpReceiver() as running:
        yield running


def _telemetry(config: TelemetryConfig, service: str = "svc-test") -> Telemetry:
    return setup_telemetry(service=service, version="1.2.3", environment="test", config=config)


def _traceparent() -> tuple[str, str, str]:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


def _items_app(telemetry: Telemetry) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "trace": current_trace_ids()}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    telemetry.instrument_app(app)
    return app


def _exporter_threads() -> set[str]:
    return {t.name.lower() for t in threading.enumerate() if t.name.lower().startswith(_EXPORTER_THREAD_PREFIXES)}


def test_exports_server_span_with_route_and_service_over_otlp(receiver: _OtlpReceiver) -> None:
    telemetry = _telemetry(TelemetryConfig(otlp_endpoint=receiver.url, export_interval_s=0.1), service="svc-export")
    app = _items_app(telemetry)
    telemetry.instrument_app(app)  # a second call must not add a second server span
    health_header, health_trace, _ = _traceparent()
    header, trace_id, _ = _traceparent()
    try:
        with _served(app) as url, httpx.Client(base_url=url) as client:
            assert client.get("/health", headers={"traceparent": health_header}).status_code == 200
            body = client.get("/items/7", headers={"traceparent": header}).json()
            resource, span = receiver.wait_for_span(lambda s: s.trace_id.hex() == trace_id)
            running_threads = _exporter_threads()
    finally:
        telemetry.shutdown()

    assert any(name.startswith("otelbatch") for name in running_threads)
    assert body["trace"][0] == trace_id
    assert resource["service.name"] == "svc-export"
    assert resource["service.version"] == "1.2.3"
    assert resource["deployment.environment"] == "test"
    assert span.kind == Span.SPAN_KIND_SERVER
    assert span.name == "GET /items/{item_id}"
    assert {a.key: a.value.string_value for a in span.attributes}["http.route"] == "/items/{item_id}"
    assert len(receiver.spans_of_trace(trace_id)) == 1
    assert body["trace"][1] == span.span_id.hex()
    assert receiver.spans_of_trace(health_trace) == []


def test_exports_counters_and_timings_as_otel_metrics(receiver: _OtlpReceiver) -> None:
    telemetry = _telemetry(TelemetryConfig(otlp_endpoint=receiver.url, export_interval_s=0.1))
    telemetry.increment("tripsage.test.requests", 3, tags={"route": "/x"})
    telemetry.timing("tripsage.test.latency", 12.5, tags={"route": "/x"})
    deadline = time.monotonic() + 5
    while receiver.metric_total("tripsage.test.requests") < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    telemetry.shutdown()

    assert receiver.metric_total("tripsage.test.requests") == 3
    assert receiver.metric_total("tripsage.test.latency") == 12.5


def test_with_dogstatsd_and_otlp_both_set_a_count_goes_to_dogstatsd_only(receiver: _OtlpReceiver) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        telemetry = _telemetry(
            TelemetryConfig(
                otlp_endpoint=receiver.url,
                export_interval_s=0.1,
                dogstatsd_host="127.0.0.1",
                dogstatsd_port=sock.getsockname()[1],
            )
        )
        telemetry.increment("tripsage.test.once", 4)
        lines = _receive_statsd_lines(sock, {"tripsage.test.once"})
        time.sleep(0.5)  # several OTLP export intervals
        telemetry.shutdown()

    assert lines["tripsage.test.once"].split("|")[:2] == ["tripsage.test.once:4", "c"]
    assert receiver.metric_total("tripsage.test.once") == 0


def _two_hop_apps(telemetry: Telemetry) -> tuple[FastAPI, FastAPI, list[str]]:
    """App A forwards to app B through an instrumented aiohttp-backed client; B keeps the traceparents it sees."""
    seen_by_b: list[str] = []
    app_b = FastAPI()

    @app_b.get("/leaf")
    async def leaf(request: Request) -> dict[str, str]:
        seen_by_b.append(request.headers.get("traceparent", ""))
        return {"ok": "yes"}

    @asynccontextmanager
    async def client_lifespan(app: FastAPI) -> AsyncIterator[None]:
        # As ServiceClient sends: aiohttp with the telemetry's trace configs, the context injected per request.
        async with aiohttp.ClientSession(trace_configs=telemetry.aiohttp_trace_configs() or None) as session:
            app.state.client = session
            yield

    app_a = FastAPI(lifespan=client_lifespan)

    @app_a.get("/forward")
    async def forward(request: Request, target: str) -> dict[str, Any]:
        async with request.app.state.client.get(f"{target}/leaf", headers=inject_trace_headers({})) as response:
            response.raise_for_status()
        return {"trace": current_trace_ids()}

    telemetry.instrument_app(app_a)
    telemetry.instrument_app(app_b)
    return app_a, app_b, seen_by_b


def _call_through_two_hops(telemetry: Telemetry) -> tuple[str, str, str, dict[str, Any]]:
    app_a, app_b, seen_by_b = _two_hop_apps(telemetry)
    header, trace_id, span_id = _traceparent()
    with _served(app_b) as url_b, _served(app_a) as url_a, httpx.Client(base_url=url_a) as client:
        response = client.get("/forward", params={"target": url_b}, headers={"traceparent": header})
    assert response.status_code == 200
    assert len(seen_by_b) == 1
    version, seen_trace, seen_parent, flags = seen_by_b[0].split("-")
    assert (version, flags) == ("00", "01")
    assert seen_trace == trace_id
    return span_id, seen_parent, trace_id, response.json()


def test_propagates_traceparent_across_two_hops_with_export_on(receiver: _OtlpReceiver) -> None:
    telemetry = _telemetry(TelemetryConfig(otlp_endpoint=receiver.url, export_interval_s=0.1))
    try:
        callers_span, parent_seen_by_b, trace_id, body = _call_through_two_hops(telemetry)
        _, client_span = receiver.wait_for_span(lambda s: s.span_id.hex() == parent_seen_by_b)
    finally:
        telemetry.shutdown()

    # B's parent is A's outbound client span, itself a child of A's server span.
    assert client_span.kind == Span.SPAN_KIND_CLIENT
    assert client_span.trace_id.hex() == trace_id
    assert parent_seen_by_b != callers_span
    assert client_span.parent_span_id.hex() == body["trace"][1]
    assert body["trace"][0] == trace_id


def test_propagates_traceparent_across_two_hops_with_export_off() -> None:
    telemetry = _telemetry(TelemetryConfig())

    callers_span, parent_seen_by_b, trace_id, body = _call_through_two_hops(telemetry)

    # Nothing is recorded, so the caller's context passes through unchanged and logs still carry it.
    assert parent_seen_by_b == callers_span
    assert body["trace"] == [trace_id, callers_span]


def test_injects_nothing_outside_a_trace_and_the_current_context_inside_one() -> None:
    header, trace_id, span_id = _traceparent()
    outside = inject_trace_headers({"accept": "application/json"})
    outside_ids = current_trace_ids()
    token = context.attach(propagate.extract({"traceparent": header}))
    try:
        inside = inject_trace_headers({"accept": "application/json"})
        inside_ids = current_trace_ids()
    finally:
        context.detach(token)

    assert outside == {"accept": "application/json"}
    assert outside_ids is None
    assert inside == {"accept": "application/json", "traceparent": header}
    assert inside_ids == (trace_id, span_id)


def _receive_statsd_lines(sock: socket.socket, wanted: set[str], timeout_s: float = 3.0) -> dict[str, str]:
    lines: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    while not wanted <= lines.keys() and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            payload = sock.recv(65535).decode()
        except TimeoutError:
            break
        for line in payload.splitlines():
            lines[line.split(":", 1)[0]] = line
    return lines


def test_sends_dogstatsd_counters_and_timings_with_unified_service_tags() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        telemetry = _telemetry(
            TelemetryConfig(dogstatsd_host="127.0.0.1", dogstatsd_port=sock.getsockname()[1]), service="svc-dd"
        )
        assert telemetry.enabled is True
        telemetry.increment("tripsage.test.hits", 2, tags={"route": "/x"})
        telemetry.timing("tripsage.test.latency", 12.5, tags={"route": "/x"})
        lines = _receive_statsd_lines(sock, {"tripsage.test.hits", "tripsage.test.latency"})
        running_threads = _exporter_threads()
        telemetry.shutdown()

    assert any(name.startswith("dogstatsd") for name in running_threads)
    hits = lines["tripsage.test.hits"].split("|")
    latency = lines["tripsage.test.latency"].split("|")
    assert hits[:2] == ["tripsage.test.hits:2", "c"]
    assert latency[:2] == ["tripsage.test.latency:12.5", "ms"]
    for fields in (hits, latency):
        tags = set(next(f for f in fields if f.startswith("#"))[1:].split(","))
        assert {"env:test", "service:svc-dd", "version:1.2.3", "route:/x"} <= tags


@contextmanager
def _dead_endpoint(kind: str) -> Iterator[str]:
    """A port that refuses connections, or one that accepts them and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    if kind == "refusing":
        sock.close()
        yield url
        return
    sock.listen(16)
    try:
        yield url
    finally:
        sock.close()


@pytest.mark.parametrize("kind", ["refusing", "silent"])
def test_dead_otlp_endpoint_slows_neither_requests_nor_shutdown(kind: str) -> None:
    with _dead_endpoint(kind) as endpoint:
        # An export to the silent endpoint hangs for a minute: a request or a shutdown that waited for it would take
        # far longer than the 30 s asserted below, which no machine load comes near.
        telemetry = _telemetry(TelemetryConfig(otlp_endpoint=endpoint, export_interval_s=0.05, export_timeout_s=60.0))
        app = _items_app(telemetry)
        with _served(app) as url, httpx.Client(base_url=url) as client:
            client.get("/items/0")
            time.sleep(0.2)  # let the exporter get stuck on the first batch
            started = time.monotonic()
            for index in range(50):
                assert client.get(f"/items/{index}").status_code == 200
                telemetry.increment("tripsage.test.requests")
            elapsed = time.monotonic() - started
        shutdown_started = time.monotonic()
        telemetry.shutdown(timeout_s=1.0)
        shutdown_elapsed = time.monotonic() - shutdown_started

    assert elapsed < 30.0
    assert shutdown_elapsed < 30.0


def test_nothing_configured_means_disabled_and_no_exporter_threads() -> None:
    before = _exporter_threads()
    telemetry = _telemetry(TelemetryConfig(otlp_endpoint="", dogstatsd_host=" "))
    telemetry.instrument_app(_items_app(telemetry))
    telemetry.increment("tripsage.test.hits")
    telemetry.timing("tripsage.test.latency", 1.0)
    telemetry.shutdown()

    assert telemetry.enabled is False
    assert telemetry.tracing is False
    # Compared as "nothing new": a bounded shutdown in an earlier test may still be winding down.
    assert _exporter_threads() - before == set()
