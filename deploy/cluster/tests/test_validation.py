"""Every chart x environment x toggle, rendered and sent to the live API server with `kubectl apply
--dry-run=server`, Istio's CRDs (and their CEL rules) installed: what `helm lint --strict` passes, the server may
still refuse. The last variants are inputs the server once refused, kept as regressions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tripsage_core.manifest import SERVICES as MANIFEST

if TYPE_CHECKING:
    from conftest import Kube

REPO = Path(__file__).resolve().parents[3]
ENVIRONMENTS = ("dev", "staging", "production")
TOGGLES: dict[str, list[str]] = {
    "default": [],
    "canary": ["--set", "canary.enabled=true", "--set", "canary.image.tag=0.2.0", "--set", "canary.weight=10"],
    "blue-green": [
        *("--set", "rollout.strategy=blueGreen"),
        *("--set", "blueGreen.active=green"),
        *("--set", "blueGreen.green.tag=0.2.0"),
    ],
    "no-istio": ["--set", "istio.enabled=false"],
    "no-network-policy": ["--set", "networkPolicy.enabled=false"],
    "fixed-replicas": ["--set", "autoscaling.enabled=false", "--set", "podDisruptionBudget.enabled=false"],
    "dogstatsd": ["--set", "datadog.dogstatsd=true"],
    "no-datadog": ["--set", "datadog.enabled=false"],
    "external-postgres": ["--set", "externalPostgres.host=db.abcdefghij.supabase.co"],
    "no-migrations": ["--set", "migrations.enabled=false"],
    # Refused by the server before the fix: a SemVer build tag copied into a label value.
    "build-metadata-tag": [
        *("--set-string", "image.tag=1.4.0+build.7"),
        *("--set", "canary.enabled=true"),
        *("--set-string", "canary.image.tag=1.5.0-rc.1+sha." + "0123456789abcdef" * 4),
    ],
    # Refused by the server before the fix: a number in a container's command list.
    "numeric-command-argument": ["--set-json", 'command=["uvicorn","--workers",2,"--timeout-keep-alive",5]'],
}
# An empty namespace: a server-side dry run there meets no live object (a kept, failed hook Job is immutable).
NAMESPACE = "tripsage-validate"
SERVICES = tuple(entry.name for entry in MANIFEST)
CASES = [(s, e, "default") for s in SERVICES for e in ENVIRONMENTS] + [
    (s, "production", toggle) for s in SERVICES for toggle in TOGGLES if toggle != "default"
]


def _render(kube: Kube, service: str, env: str, toggle: str) -> str:
    chart = REPO / "helm" / service
    result = kube.run(
        str(REPO / ".tools" / "bin" / "helm"),
        "template",
        service,
        str(chart),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        "1.34.4",
        "-f",
        str(chart / "values.yaml"),
        "-f",
        str(chart / f"values-{env}.yaml"),
        *TOGGLES[toggle],
    )
    return result


@pytest.fixture(scope="module")
def validation_namespace(kube: Kube) -> None:
    manifest = kube.run("kubectl", "create", "namespace", NAMESPACE, "--dry-run=client", "-o", "yaml")
    kube.run("kubectl", "apply", "-f", "-", stdin=manifest)


@pytest.mark.usefixtures("validation_namespace")
@pytest.mark.parametrize(("service", "env", "toggle"), CASES)
def test_the_api_server_accepts_the_rendered_chart(kube: Kube, service: str, env: str, toggle: str) -> None:
    manifest = _render(kube, service, env, toggle)
    applied = subprocess.run(
        ["kubectl", "apply", "--dry-run=server", "-n", NAMESPACE, "-o", "json", "-f", "-"],
        input=manifest,
        capture_output=True,
        text=True,
        env=kube.env,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stderr
    kinds = {item["kind"] for item in json.loads(applied.stdout).get("items", [])}
    assert {"Deployment", "Service"} <= kinds, kinds
    if toggle not in ("no-istio",):
        assert {"VirtualService", "DestinationRule", "PeerAuthentication"} <= kinds, kinds
