"""The check between promotion steps: thresholds, pod readiness, and a Prometheus HTTP API over real HTTP."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from tripsage_rollout.checks import (
    ENVOY_COUNTERS,
    DatadogCheck,
    EnvoyStatsCheck,
    PrometheusCheck,
    ReadinessCheck,
    Thresholds,
    check_from_environment,
    judge,
    pods_verdict,
    subset_stats,
)

# The test mesh's Istio values (make mesh-test).
MESH_VALUES = Path(__file__).resolve().parents[3] / "deploy" / "cluster" / "mesh" / "istiod-values.yaml"

THRESHOLDS = Thresholds(max_error_rate=0.01, max_p99_ms=800)


def _pod(name: str, *, ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "app", "restartCount": restarts}],
        },
    }


def test_healthy_only_within_both_thresholds() -> None:
    assert judge(0.005, 300, THRESHOLDS).healthy
    assert "error rate" in judge(0.05, 300, THRESHOLDS).reason
    assert "p99" in judge(0.0, 900, THRESHOLDS).reason
    assert not judge(0.0, 900, THRESHOLDS).healthy


def test_no_measured_traffic_is_not_a_pass() -> None:
    verdict = judge(None, None, THRESHOLDS)
    assert not verdict.healthy
    assert "no canary traffic" in verdict.reason


def test_pods_pass_when_all_ready_without_restarts() -> None:
    assert pods_verdict([_pod("a"), _pod("b")]).healthy


@pytest.mark.parametrize(
    ("pods", "reason"),
    [([], "no pods"), ([_pod("a"), _pod("b", ready=False)], "pod b not ready"), ([_pod("a", restarts=2)], "restarted")],
)
def test_pods_fail_when_missing_unready_or_restarting(pods: list[dict[str, Any]], reason: str) -> None:
    verdict = pods_verdict(pods)
    assert not verdict.healthy
    assert reason in verdict.reason


class _PrometheusAnswers(BaseHTTPRequestHandler):
    """Answers PromQL queries the way Prometheus's HTTP API does, recording them."""

    answers: ClassVar[dict[str, str]] = {}
    queries: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)["query"][0]
        self.queries.append(query)
        value = self.answers["p99" if query.startswith("histogram_quantile") else "errors"]
        result = [] if value == "" else [{"metric": {}, "value": [1700000000.0, value]}]
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def prometheus() -> Iterator[str]:
    _PrometheusAnswers.queries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PrometheusAnswers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_prometheus_check_reads_the_canary_workloads_istio_metrics(prometheus: str) -> None:
    _PrometheusAnswers.answers = {"errors": "0.002", "p99": "240"}
    verdict = PrometheusCheck(prometheus, THRESHOLDS, namespace="tripsage").check("flights", "canary", "1.4.0")
    assert verdict.healthy
    assert (verdict.error_rate, verdict.p99_ms) == (0.002, 240.0)
    assert all('destination_workload="flights-canary"' in q for q in _PrometheusAnswers.queries)


def test_prometheus_check_fails_a_canary_with_too_many_errors(prometheus: str) -> None:
    _PrometheusAnswers.answers = {"errors": "0.2", "p99": "240"}
    verdict = PrometheusCheck(prometheus, THRESHOLDS, namespace="tripsage").check("flights", "canary", "1.4.0")
    assert not verdict.healthy


@pytest.mark.parametrize("errors", ["", "NaN"])
def test_prometheus_check_without_traffic_is_not_healthy(prometheus: str, errors: str) -> None:
    _PrometheusAnswers.answers = {"errors": errors, "p99": "240"}
    verdict = PrometheusCheck(prometheus, THRESHOLDS, namespace="tripsage").check("maps", "canary", "1.4.0")
    assert not verdict.healthy


def test_the_environment_picks_prometheus_then_datadog_then_readiness() -> None:
    def pick(environ: dict[str, str]) -> type:
        check = check_from_environment(
            environ, namespace="tripsage", environment="staging", kube_context=None, thresholds=THRESHOLDS
        )
        return type(check)

    assert pick({"PROMETHEUS_URL": "http://prometheus:9090", "DD_API_KEY": "k", "DD_APP_KEY": "a"}) is PrometheusCheck
    assert pick({"DD_API_KEY": "k", "DD_APP_KEY": "a"}) is DatadogCheck
    assert pick({"DD_API_KEY": "k"}) is ReadinessCheck
    assert pick({"ROLLOUT_ENVOY_CALLERS": "gateway"}) is EnvoyStatsCheck
    assert pick({"ROLLOUT_ENVOY_CALLERS": ""}) is ReadinessCheck
    assert pick({}) is ReadinessCheck


# The shape of a sidecar's /stats text, as seen on the mesh: Istio names each cluster's stats `<cluster>;.<stat>`,
# counters as `name: value`, histograms as quantiles (last interval, cumulative).
_ENVOY_STATS = """\
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_total: 36
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_200: 26
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_2xx: 26
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_404: 2
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_4xx: 2
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_500: 8
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_503: 4
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_5xx: 12
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.upstream_rq_time: P0(nan,2) P25(nan,4.1) \
P50(nan,6) P75(nan,9) P90(nan,14) P95(nan,20) P99(nan,31.5) P99.5(nan,33) P99.9(nan,35) P100(nan,36)
cluster.outbound|8001|stable|flights.tripsage.svc.cluster.local;.upstream_rq_total: 360
cluster.outbound|8001|stable|flights.tripsage.svc.cluster.local;.upstream_rq_2xx: 360
cluster.outbound|8001|stable|flights.tripsage.svc.cluster.local;.upstream_rq_5xx: 0
cluster.outbound|8002|canary|stays.tripsage.svc.cluster.local;.upstream_rq_2xx: 7
cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;.external.upstream_rq_5xx: 12
"""


def test_envoy_stats_of_one_subset_are_read_from_the_text_stats() -> None:
    canary = subset_stats(_ENVOY_STATS, service="flights", track="canary", namespace="tripsage")
    # 40 answers (26 + 2 + 12), though 36 requests reached a pool: four of the 503s were Envoy's own (no endpoint).
    assert (canary.requests, canary.errors_5xx, canary.p99_ms) == (40, 12, 31.5)
    stable = subset_stats(_ENVOY_STATS, service="flights", track="stable", namespace="tripsage")
    assert (stable.requests, stable.errors_5xx, stable.p99_ms) == (360, 0, None)
    assert subset_stats(_ENVOY_STATS, service="maps", track="canary", namespace="tripsage").requests == 0
    # 12 of 40 answered 5xx: far above any error budget.
    assert not judge(12 / 40, 31.5, THRESHOLDS).healthy


def test_the_test_meshs_stats_matcher_keeps_every_counter_the_envoy_check_reads() -> None:
    # Istio keeps only the statistics its proxyStatsMatcher names: a counter missing there reads as no traffic at all.
    values = yaml.safe_load((MESH_VALUES).read_text())
    kept = values["meshConfig"]["defaultConfig"]["proxyStatsMatcher"]["inclusionRegexps"]
    cluster = "cluster.outbound|8001|canary|flights.tripsage.svc.cluster.local;."
    for counter in ENVOY_COUNTERS:
        assert any(re.fullmatch(regexp, cluster + counter) for regexp in kept), counter
    assert not any(re.fullmatch(regexp, cluster + "upstream_cx_total") for regexp in kept)


class _DatadogAnswers(BaseHTTPRequestHandler):
    """Answers /api/v1/query like Datadog's metrics API, by the aggregation the query asks for."""

    answers: ClassVar[dict[str, float | None]] = {}
    requests: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)["query"][0]
        self.requests.append((query, self.headers.get("DD-API-KEY")))
        kind = "p99" if query.startswith("p99:") else "errors" if "http.status_code:5*" in query else "total"
        value = self.answers[kind]
        series = [] if value is None else [{"pointlist": [[1700000000000.0, value / 2], [1700000060000.0, value / 2]]}]
        body = json.dumps({"status": "ok", "series": series}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def datadog_api() -> Iterator[str]:
    _DatadogAnswers.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DatadogAnswers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _datadog(base_url: str) -> DatadogCheck:
    return DatadogCheck(
        api_key="test-api-key", app_key="test-app-key", site="unused", environment="production",
        thresholds=THRESHOLDS, base_url=base_url,
    )  # fmt: skip


def test_datadog_check_judges_the_canary_version_of_the_service(datadog_api: str) -> None:
    _DatadogAnswers.answers = {"errors": 2.0, "total": 1000.0, "p99": 300.0}
    verdict = _datadog(datadog_api).check("stays", "canary", "1.4.0")
    assert verdict.healthy
    assert verdict.error_rate == pytest.approx(0.002)
    queries = [query for query, _ in _DatadogAnswers.requests]
    assert all("service:stays,env:production,version:1.4.0" in q for q in queries)
    assert {key for _, key in _DatadogAnswers.requests} == {"test-api-key"}


def test_datadog_check_fails_a_slow_canary_and_one_without_traffic(datadog_api: str) -> None:
    _DatadogAnswers.answers = {"errors": 0.0, "total": 1000.0, "p99": 1500.0}
    assert "p99" in _datadog(datadog_api).check("stays", "canary", "1.4.0").reason
    _DatadogAnswers.answers = {"errors": None, "total": None, "p99": None}
    assert not _datadog(datadog_api).check("stays", "canary", "1.4.0").healthy
