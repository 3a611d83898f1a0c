"""Every metric a Datadog dashboard or monitor queries is one something really emits, tagged the unified way."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATADOG_DIR = REPO_ROOT / "deploy" / "datadog"
DASHBOARDS = sorted((DATADOG_DIR / "dashboards").glob("*.json"))
MONITORS = sorted((DATADOG_DIR / "monitors").glob("*.json"))
# `p99:http.server.duration{`, `sum:tripsage.cache{`, `count:...{`.
_METRIC_IN_QUERY = re.compile(r"\b(?:avg|sum|min|max|count|p\d{2,3}):([a-z][a-z0-9_.]*)\{")
_EMITTED_IN_CODE = re.compile(r"\.(?:increment|timing)\(\s*\"([a-z][a-z0-9_.]*)\"")
# OpenTelemetry instrumentations tripsage_core.telemetry enables, with the constant each one records under.
OTEL_METRICS = {
    "http.server.duration": ("opentelemetry.instrumentation.asgi", "MetricInstruments.HTTP_SERVER_DURATION"),
    "http.server.active_requests": ("opentelemetry.instrumentation.asgi", "create_http_server_active_requests"),
    "http.client.duration": ("opentelemetry.instrumentation.httpx", "MetricInstruments.HTTP_CLIENT_DURATION"),
}
# Collected by the Datadog Agent itself (kubelet and kube-state-metrics core checks), not by TripSage's code.
AGENT_METRICS = {
    "kubernetes.cpu.usage.total",
    "kubernetes.cpu.limits",
    "kubernetes.memory.usage",
    "kubernetes.memory.limits",
    "kubernetes_state.container.restarts",
}


def _queries(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [q for key, value in node.items() for q in ([value] if key == "query" else _queries(value))]
    if isinstance(node, list):
        return [q for item in node for q in _queries(item)]
    return []


def _metrics(path: Path) -> set[str]:
    return {m for query in _queries(json.loads(path.read_text())) for m in _METRIC_IN_QUERY.findall(query)}


def _emitted_by_code() -> set[str]:
    sources = [*REPO_ROOT.glob("libs/*/src/**/*.py"), *REPO_ROOT.glob("services/*/src/**/*.py")]
    return {name for source in sources for name in _EMITTED_IN_CODE.findall(source.read_text())}


def test_the_code_emits_the_tripsage_counters_the_dashboards_rely_on() -> None:
    assert {"tripsage.cache", "tripsage.ratelimit"} <= _emitted_by_code()


@pytest.mark.parametrize("name", sorted(OTEL_METRICS))
def test_the_opentelemetry_metric_names_are_the_instrumentations_own(name: str) -> None:
    module_name, reference = OTEL_METRICS[name]
    module = importlib.import_module(module_name)
    assert reference in inspect.getsource(module)
    semconv = importlib.import_module("opentelemetry.semconv.metrics")
    if reference.startswith("MetricInstruments."):
        assert getattr(semconv.MetricInstruments, reference.split(".", 1)[1]) == name
    telemetry = (REPO_ROOT / "libs/core/src/tripsage_core/telemetry.py").read_text()
    # The instrumentations record metrics only when given the meter provider.
    assert "meter_provider=self._meter_provider" in telemetry


@pytest.mark.parametrize("path", DASHBOARDS + MONITORS, ids=lambda p: p.name)
def test_every_queried_metric_is_emitted_somewhere(path: Path) -> None:
    metrics = _metrics(path)
    assert metrics, f"{path.name} queries no metric"
    known = _emitted_by_code() | set(OTEL_METRICS) | AGENT_METRICS
    assert metrics <= known, f"{path.name} queries metrics nothing emits: {sorted(metrics - known)}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_filter_by_the_unified_service_tags(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    variables = {v["name"]: v["prefix"] for v in dashboard["template_variables"]}
    assert variables.get("env") == "env"
    for query in _queries(dashboard):
        assert "$env" in query, query
    if "service" in variables:
        assert variables == {"env": "env", "service": "service", "version": "version"}


@pytest.mark.parametrize("path", MONITORS, ids=lambda p: p.name)
def test_monitors_alert_per_service_in_production(path: Path) -> None:
    monitor = json.loads(path.read_text())
    assert monitor["type"] == "query alert"
    assert "env:production" in monitor["query"]
    assert "by {service}" in monitor["query"]
    assert "critical" in monitor["options"]["thresholds"]
