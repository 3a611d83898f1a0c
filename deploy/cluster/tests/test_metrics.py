"""metrics-server in the live cluster: `kubectl top` and every service's HPA read real CPU and memory figures.

Only presence and shape are asserted: the figures themselves depend on how busy the machine is. They are printed.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Kube

# metrics-server scrapes every 15 s and reports a pod after two scrapes; the HPA controller syncs every 15 s. A pod
# replaced by an earlier test (rolling update, kill) starts without figures.
METRICS_TIMEOUT_S = 180.0


def _top_rows(kube: Kube) -> dict[str, tuple[str, str]]:
    """`kubectl top pods`: pod name -> (CPU, memory); empty while the metrics API has nothing to say."""
    out = kube.kubectl("top", "pods", "--no-headers", check=False, timeout=30)
    rows = (line.split() for line in out.splitlines())
    return {row[0]: (row[1], row[2]) for row in rows if len(row) == 3}


def _cpu_utilisation(hpa: dict[str, Any]) -> int | None:
    for metric in hpa["status"].get("currentMetrics") or []:
        if metric.get("type") == "Resource" and metric["resource"]["name"] == "cpu":
            value = metric["resource"]["current"].get("averageUtilization")
            return int(value) if value is not None else None
    return None


def test_metrics_api_is_served_through_the_aggregation_layer_with_tls_verified(kube: Kube) -> None:
    apiservice = json.loads(kube.run("kubectl", "get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json"))
    assert not apiservice["spec"].get("insecureSkipTLSVerify"), (
        "the API server must verify metrics-server's certificate"
    )
    assert apiservice["spec"]["caBundle"], apiservice["spec"]
    available = {c["type"]: c for c in apiservice["status"]["conditions"]}["Available"]
    assert available["status"] == "True", available
    deployment = json.loads(
        kube.run("kubectl", "-n", "kube-system", "get", "deployment", "metrics-server", "-o", "json")
    )
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--kubelet-insecure-tls" not in args
    assert any(a.startswith("--kubelet-certificate-authority=") for a in args), args


def test_kubectl_top_pods_shows_cpu_and_memory_of_every_service(kube: Kube) -> None:
    def every_service_has_figures() -> bool:
        rows = _top_rows(kube)
        return all(any(name.startswith(f"{s}-") for name in rows) for s in kube.services)

    kube.wait_until("kubectl top pods lists every service", every_service_has_figures, METRICS_TIMEOUT_S)
    print(kube.kubectl("top", "pods", timeout=30))
    for name, (cpu, memory) in _top_rows(kube).items():
        assert re.fullmatch(r"\d+m", cpu), (name, cpu)
        assert re.fullmatch(r"\d+Mi", memory), (name, memory)
        assert int(memory.removesuffix("Mi")) > 0, (name, memory)


def test_every_hpa_reports_a_current_cpu_utilisation(kube: Kube) -> None:
    def every_hpa_has_a_cpu_figure() -> bool:
        return all(_cpu_utilisation(kube.json("hpa", f"{s}-stable")) is not None for s in kube.services)

    kube.wait_until("every HPA reports a current CPU utilisation", every_hpa_has_a_cpu_figure, METRICS_TIMEOUT_S)
    print(kube.kubectl("get", "hpa", timeout=30))
    for service in kube.services:
        hpa = kube.json("hpa", f"{service}-stable")
        assert isinstance(_cpu_utilisation(hpa), int), hpa["status"]
        conditions = {c["type"]: c for c in hpa["status"]["conditions"]}
        # With metrics the controller computes a replica count: ScalingActive turns True ("ValidMetricFound").
        assert conditions["ScalingActive"]["status"] == "True", conditions["ScalingActive"]
    assert "<unknown>" not in kube.kubectl("get", "hpa", timeout=30)
