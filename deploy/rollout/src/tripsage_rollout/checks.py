"""The check between promotion steps: the canary's error rate and p99 from metrics, or its pods' readiness."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import structlog

log = structlog.get_logger(__name__)
DEFAULT_MAX_ERROR_RATE = 0.01
DEFAULT_MAX_P99_MS = 1000.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The canary fails the check above either limit."""

    max_error_rate: float = DEFAULT_MAX_ERROR_RATE
    max_p99_ms: float = DEFAULT_MAX_P99_MS


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check's outcome, with the numbers it was based on."""

    healthy: bool
    reason: str
    error_rate: float | None = None
    p99_ms: float | None = None


class CanaryCheck(Protocol):
    def check(self, service: str, track: str, tag: str) -> Verdict:
        """Judge the track of service, running tag."""
        ...


def judge(error_rate: float | None, p99_ms: float | None, thresholds: Thresholds) -> Verdict:
    """Healthy when both numbers are known and within the thresholds; no traffic yet is not healthy."""
    if error_rate is None or p99_ms is None:
        return Verdict(False, "no canary traffic measured yet", error_rate, p99_ms)
    if error_rate > thresholds.max_error_rate:
        return Verdict(False, f"error rate {error_rate:.2%} above {thresholds.max_error_rate:.2%}", error_rate, p99_ms)
    if p99_ms > thresholds.max_p99_ms:
        return Verdict(False, f"p99 {p99_ms:.0f} ms above {thresholds.max_p99_ms:.0f} ms", error_rate, p99_ms)
    return Verdict(True, "within thresholds", error_rate, p99_ms)


class PrometheusCheck:
    """Istio's standard request metrics for the canary's workload, from a Prometheus HTTP API."""

    def __init__(self, url: str, thresholds: Thresholds, *, namespace: str, window: str = "5m") -> None:
        self._url = url.rstrip("/")
        self._thresholds = thresholds
        self._namespace = namespace
        self._window = window

    def check(self, service: str, track: str, tag: str) -> Verdict:
        workload = f'destination_workload="{service}-{track}",destination_workload_namespace="{self._namespace}"'
        w = self._window
        errors = (
            f'sum(rate(istio_requests_total{{{workload},response_code=~"5.."}}[{w}]))'
            f" / sum(rate(istio_requests_total{{{workload}}}[{w}]))"
        )
        p99 = (
            "histogram_quantile(0.99, sum by (le) "
            f"(rate(istio_request_duration_milliseconds_bucket{{{workload}}}[{w}])))"
        )
        return judge(self._query(errors), self._query(p99), self._thresholds)

    def _query(self, promql: str) -> float | None:
        response = httpx.get(f"{self._url}/api/v1/query", params={"query": promql}, timeout=10.0)
        response.raise_for_status()
        return _prometheus_scalar(response.json())


def _prometheus_scalar(body: Mapping[str, Any]) -> float | None:
    results = body.get("data", {}).get("result", [])
    if not results:
        return None
    value = float(results[0]["value"][1])
    # 0/0 (no requests at all) comes back as NaN.
    return None if math.isnan(value) else value


class DatadogCheck:
    """The OpenTelemetry HTTP server metric the services export, tagged with the canary's version."""

    def __init__(
        self,
        *,
        api_key: str,
        app_key: str,
        site: str,
        environment: str,
        thresholds: Thresholds,
        window_s: int = 300,
        base_url: str | None = None,
    ) -> None:
        self._headers = {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": app_key}
        self._base = (base_url or f"https://api.{site}").rstrip("/")
        self._environment = environment
        self._thresholds = thresholds
        self._window_s = window_s

    def check(self, service: str, track: str, tag: str) -> Verdict:
        scope = f"service:{service},env:{self._environment},version:{tag}"
        errors = self._query(f"count:http.server.duration{{{scope},http.status_code:5*}}.as_count()")
        total = self._query(f"count:http.server.duration{{{scope}}}.as_count()")
        p99 = self._query(f"p99:http.server.duration{{{scope}}}")
        error_rate = None if not total else (errors or 0.0) / total
        return judge(error_rate, p99, self._thresholds)

    def _query(self, query: str) -> float | None:
        now = int(time.time())
        response = httpx.get(
            f"{self._base}/api/v1/query",
            params={"from": now - self._window_s, "to": now, "query": query},
            headers=self._headers,
            timeout=10.0,
        )
        response.raise_for_status()
        return _datadog_total(response.json())


def _datadog_total(body: Mapping[str, Any]) -> float | None:
    points = [point[1] for series in body.get("series", []) for point in series.get("pointlist", [])]
    known = [float(p) for p in points if p is not None]
    return sum(known) if known else None


class EnvoyStatsCheck:
    """The callers' own sidecars: what their Envoys counted for the track's subset (answers by class, p99).

    Istio's standard metrics (PrometheusCheck) come from its `istio.stats` extension, which an upstream Envoy lacks;
    Envoy's own per-cluster counters are there in every build. The counts are cumulative since the track's subset
    first took traffic, which for a canary is the canary's whole life.
    """

    def __init__(
        self, *, callers: Sequence[str], namespace: str, thresholds: Thresholds, kube_context: str | None = None
    ) -> None:
        self._callers = tuple(callers)
        self._namespace = namespace
        self._thresholds = thresholds
        self._kube_context = kube_context

    def check(self, service: str, track: str, tag: str) -> Verdict:
        if shutil.which("kubectl") is None:
            return Verdict(False, "kubectl not found on PATH")
        readings = []
        for caller in self._callers:
            for pod in self._ready_pods(caller):
                text = self._kubectl("exec", pod, "-c", "istio-proxy", "--", "pilot-agent", "request", "GET", "stats")
                readings.append(subset_stats(text, service=service, track=track, namespace=self._namespace))
        total = sum(r.requests for r in readings)
        if not total:
            return judge(None, None, self._thresholds)
        errors = sum(r.errors_5xx for r in readings)
        p99 = max((r.p99_ms for r in readings if r.p99_ms is not None), default=None)
        return judge(errors / total, p99, self._thresholds)

    def _ready_pods(self, app: str) -> list[str]:
        pods = json.loads(self._kubectl("get", "pods", "-l", f"app={app}", "-o", "json")).get("items", [])
        return [pod["metadata"]["name"] for pod in pods if pods_verdict([pod]).healthy]

    def _kubectl(self, *args: str) -> str:
        result = kubectl(*args, namespace=self._namespace, kube_context=self._kube_context)
        result.check_returncode()
        return result.stdout


# The counters of each subset's cluster the Envoy check reads: answers by class, and the latency histogram. A mesh
# that trims Envoy's statistics (Istio's proxyStatsMatcher) must keep them.
ENVOY_COUNTERS = (*(f"upstream_rq_{n}xx" for n in range(1, 6)), "upstream_rq_time")


@dataclass(frozen=True, slots=True)
class SubsetStats:
    requests: int
    errors_5xx: int
    p99_ms: float | None


def subset_stats(text: str, *, service: str, track: str, namespace: str) -> SubsetStats:
    """One Envoy's text stats for the cluster `outbound|<port>|<track>|<service>.<namespace>.svc.cluster.local`.

    The requests are the answers Envoy charged to the cluster by class (`upstream_rq_2xx`, `_5xx`, ...), not
    `upstream_rq_total`: Envoy charges its own 503 when no endpoint is left (a canary scaled away) to `upstream_rq_5xx`
    without a request ever reaching a pool, so 5xx over `upstream_rq_total` can pass 100 %."""
    cluster = re.escape(f"|{track}|{service}.{namespace}.svc.cluster.local")
    counters = "|".join(re.escape(name) for name in ENVOY_COUNTERS)
    pattern = re.compile(rf"^cluster\.outbound\|\d+{cluster};?\.({counters}): (.*)$")
    requests = errors = 0
    p99: float | None = None
    for line in text.splitlines():
        if not (match := pattern.match(line)):
            continue
        name, value = match.groups()
        if name == "upstream_rq_time":
            if quantile := re.search(r"P99\([^,]*,([^)]*)\)", value):
                # Envoy prints each quantile as (last interval, cumulative); `nan` until a request was timed.
                cumulative = float(quantile.group(1))
                p99 = None if math.isnan(cumulative) else cumulative
            continue
        requests += int(value)
        if name == "upstream_rq_5xx":
            errors += int(value)
    return SubsetStats(requests, errors, p99)


class ReadinessCheck:
    """Without a metrics backend: every pod of the track exists and is Ready, none restarted."""

    def __init__(self, *, namespace: str, kube_context: str | None = None) -> None:
        self._namespace = namespace
        self._kube_context = kube_context

    def check(self, service: str, track: str, tag: str) -> Verdict:
        if shutil.which("kubectl") is None:
            return Verdict(False, "kubectl not found on PATH")
        result = kubectl(
            "get",
            "pods",
            "-l",
            f"app={service},version={track}",
            "-o",
            "json",
            namespace=self._namespace,
            kube_context=self._kube_context,
        )
        if result.returncode != 0:
            return Verdict(False, f"kubectl failed: {result.stderr.strip()}")
        return pods_verdict(json.loads(result.stdout).get("items", []))


def kubectl(*args: str, namespace: str, kube_context: str | None) -> subprocess.CompletedProcess[str]:
    """kubectl from PATH in `namespace` (and `kube_context`), output captured, bounded in time."""
    command = [shutil.which("kubectl") or "kubectl", "-n", namespace, *args]
    if kube_context:
        command += ["--context", kube_context]
    # Arguments are validated service and track names and pod names from the API, no shell involved.
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)  # noqa: S603


def pods_verdict(pods: Sequence[Mapping[str, Any]]) -> Verdict:
    """Healthy when there is at least one pod and every one is Ready without container restarts."""
    if not pods:
        return Verdict(False, "no pods")
    for pod in pods:
        name = pod.get("metadata", {}).get("name", "?")
        status = pod.get("status", {})
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions", []))
        if not ready:
            return Verdict(False, f"pod {name} not ready")
        restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses", []))
        if restarts:
            return Verdict(False, f"pod {name} restarted {restarts} times")
    return Verdict(True, f"{len(pods)} pods ready")


def check_from_environment(
    environ: Mapping[str, str], *, namespace: str, environment: str, kube_context: str | None, thresholds: Thresholds
) -> CanaryCheck:
    """Prometheus when PROMETHEUS_URL is set, Datadog when DD_API_KEY and DD_APP_KEY are, the callers' Envoys when
    ROLLOUT_ENVOY_CALLERS names them (comma-separated app labels, e.g. `gateway`), readiness otherwise."""
    if environ.get("PROMETHEUS_URL"):
        log.info("canary_check", backend="prometheus")
        return PrometheusCheck(environ["PROMETHEUS_URL"], thresholds, namespace=namespace)
    if environ.get("DD_API_KEY") and environ.get("DD_APP_KEY"):
        log.info("canary_check", backend="datadog")
        return DatadogCheck(
            api_key=environ["DD_API_KEY"],
            app_key=environ["DD_APP_KEY"],
            site=environ.get("DD_SITE", "datadoghq.com"),
            environment=environment,
            thresholds=thresholds,
        )
    if callers := [c for c in environ.get("ROLLOUT_ENVOY_CALLERS", "").split(",") if c.strip()]:
        log.info("canary_check", backend="envoy", callers=callers)
        return EnvoyStatsCheck(
            callers=[c.strip() for c in callers], namespace=namespace, thresholds=thresholds, kube_context=kube_context
        )
    log.info("canary_check", backend="readiness")
    return ReadinessCheck(namespace=namespace, kube_context=kube_context)


def default_check(namespace: str, environment: str, kube_context: str | None, thresholds: Thresholds) -> CanaryCheck:
    """The check the process environment configures."""
    return check_from_environment(
        os.environ, namespace=namespace, environment=environment, kube_context=kube_context, thresholds=thresholds
    )
