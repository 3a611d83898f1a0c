"""Telemetry where the charts send it: the services export OTLP to the node's address, where the harness's
OpenTelemetry Collector (a Go build, standing for the Datadog Agent's intake) listens and hands every batch on to
this test as OTLP JSON. One trip brief is one trace, with spans from the gateway and every service it called."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tripsage_testing.journey import trip_body

if TYPE_CHECKING:
    from conftest import Kube

# Where deploy/cluster/otelcol.yaml's exporter sends every batch.
SINK = ("127.0.0.1", 21318)
# The services a brief of a trip to a known city calls (maps or flights locate the destination).
BRIEF_CALLEES = {"time", "weather", "stays", "flights"}


class _Spans:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_trace: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def add(self, payload: dict[str, Any]) -> None:
        with self.lock:
            for resource_spans in payload.get("resourceSpans", []):
                attributes = resource_spans.get("resource", {}).get("attributes", [])
                names = [a["value"].get("stringValue", "") for a in attributes if a["key"] == "service.name"]
                service = names[0] if names else ""
                for scope in resource_spans.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        self.by_trace.setdefault(span["traceId"].lower(), []).append((service, span))

    def services_in(self, trace_id: str) -> set[str]:
        with self.lock:
            return {service for service, _ in self.by_trace.get(trace_id, [])}


@pytest.fixture
def spans() -> Iterator[_Spans]:
    received = _Spans()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.path == "/v1/traces":
                received.add(json.loads(body))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(SINK, Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received
    server.shutdown()
    server.server_close()


def _short(service: str) -> str:
    return service.removeprefix("tripsage-")


def test_one_brief_is_one_trace_across_the_gateway_and_every_service_it_called(
    kube: Kube, gateway: httpx.Client, spans: _Spans
) -> None:
    # Earlier tests' rollouts may leave a terminating pod that still serves kept-alive connections, and whose logs
    # go with it: begin once each service runs only its Ready pods.
    for service in ("gateway", *sorted(BRIEF_CALLEES)):
        kube.wait_until(
            f"{service} settled",
            lambda app=service: len(kube.json("pods", "-l", f"app={app}")["items"]) == len(kube.ready_pods(app)),
            timeout_s=90,
        )
    start = dt.date.today() + dt.timedelta(days=30)
    trip = gateway.post("/v1/trips", json=trip_body(destination="Paris", start=start, nights=3))
    assert trip.status_code == 201, trip.text
    # The caller's W3C trace context is continued, so the brief's trace id is known before it runs.
    trace_id = os.urandom(16).hex()
    traceparent = f"00-{trace_id}-{os.urandom(8).hex()}-01"
    brief = gateway.get(f"/v1/trips/{trip.json()['id']}/brief", headers={"traceparent": traceparent})
    assert brief.status_code == 200, brief.text

    # The services export every 10 s (export_interval_s); allow a few rounds on a busy machine.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = {_short(s) for s in spans.services_in(trace_id)}
        if {"gateway", *BRIEF_CALLEES} <= seen:
            break
        time.sleep(1)
    seen = {_short(s) for s in spans.services_in(trace_id)}
    print(f"\ntrace {trace_id}: spans from {sorted(seen)}")
    assert {"gateway", *BRIEF_CALLEES} <= seen, seen
    assert len(spans.by_trace) >= 1
    # The same trace id is in those services' logs, for jumping from a trace to its log lines.
    for service in ("gateway", *sorted(BRIEF_CALLEES)):
        # Every pod of the service: an earlier test's rollout may leave a terminating one beside the serving one.
        logs = kube.kubectl("logs", "-l", f"app={service}", "--since=5m", "--tail=-1")
        assert trace_id in logs, f"{service}'s log has no line with trace id {trace_id}"
