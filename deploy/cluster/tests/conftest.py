"""The live cluster `make cluster-up` + `deploy/cluster/cluster.sh deploy` made, as fixtures for its tests."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tripsage_core.auth import mint_token
from tripsage_core.manifest import SERVICES as MANIFEST

REPO = Path(__file__).resolve().parents[3]
CLUSTER_SH = REPO / "deploy" / "cluster" / "cluster.sh"
STATE = Path(os.environ.get("CLUSTER_STATE", "/var/lib/tripsage-cluster"))
NAMESPACE = "tripsage"
SERVICES = tuple(entry.name for entry in MANIFEST)
PORTS = {entry.name: entry.port for entry in MANIFEST}
# What `make images` tagged locally; cluster.sh loads it under the reference each chart names by default.
IMAGE_TAG = os.environ.get("TRIPSAGE_IMAGE_TAG", "dev")
APP_VERSION = "0.1.0"
# The node's containerd (cluster.sh: its own socket; the CRI's images in namespace k8s.io).
_NODE_CONTAINERD = ("--address", "/run/tripsage-cluster/containerd.sock", "-n", "k8s.io")


@dataclass(frozen=True)
class Kube:
    """kubectl, helm and the cluster script of the harness, with the harness's kubeconfig and tools."""

    env: dict[str, str]
    services: tuple[str, ...] = SERVICES
    ports: dict[str, int] = field(default_factory=lambda: dict(PORTS))
    image_tag: str = IMAGE_TAG

    def image(self, service: str, tag: str = APP_VERSION) -> str:
        """The reference a chart gives its pods: values.yaml's repository and, by default, the chart's appVersion."""
        return f"ghcr.io/tripsage/tripsage-{service}:{tag}"

    def local_image(self, service: str) -> str:
        """The image `make images` built for the service."""
        return f"tripsage/{service}:{self.image_tag}"

    def run(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 300) -> str:
        result = subprocess.run(args, input=stdin, capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args[:4])}… exited {result.returncode}: {result.stderr.strip()[-2000:]}")
        return result.stdout

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 300) -> str:
        return self.run("kubectl", "-n", NAMESPACE, *args, stdin=stdin, check=check, timeout=timeout)

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json"))

    def helm(self, *args: str, check: bool = True, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(REPO / ".tools" / "bin" / "helm"), *args, "-n", NAMESPACE],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args[:2])} exited {result.returncode}: {result.stderr[-2000:]}")
        return result

    def install(self, service: str, *helm_args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """helm upgrade --install of one chart with the harness's small values (cluster.sh install)."""
        result = subprocess.run(
            [str(CLUSTER_SH), "install", service, *helm_args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=400,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"installing {service} failed: {result.stderr[-2000:]}")
        return result

    def retag(self, service: str, tag: str) -> str:
        """The service's image the cluster already holds (loaded by cluster.sh up), under another tag of the chart's
        repository: a new version to roll out that is the same code. Tagged inside the node's containerd, where a
        save and import of the whole image from Docker took seconds."""
        target = self.image(service, tag)
        self.run("ctr", *_NODE_CONTAINERD, "images", "tag", "--force", self.image(service), target)
        return target

    def load_image(self, source: str, target: str, *, extra_dockerfile: str = "") -> None:
        """Tag (or build on top of) a local image and import it into the node's containerd."""
        if extra_dockerfile:
            dockerfile = f"FROM {source}\n{extra_dockerfile}"
            self.run("docker", "build", "-q", "-t", target, "-", stdin=dockerfile, timeout=300)
        else:
            self.run("docker", "tag", source, target)
        save = subprocess.Popen(["docker", "save", target], stdout=subprocess.PIPE, env=self.env)
        imported = subprocess.run(
            ["ctr", *_NODE_CONTAINERD, "images", "import", "-"],
            stdin=save.stdout,
            capture_output=True,
            env=self.env,
            timeout=300,
        )
        save.wait(timeout=60)
        assert imported.returncode == 0, imported.stderr
        assert save.returncode == 0

    def admit_test_caller(self, caller: str, target: str, port: int, *, istiod: bool = False) -> None:
        """NetworkPolicies for a test's own pods labelled app=<caller>: they may reach cluster DNS (and istiod, for a
        sidecar) and target:port, and target admits them on that port. The namespace's default-deny, enforced by
        kube-network-policies, otherwise drops everything of a pod no chart names."""
        egress: list[dict[str, Any]] = [
            _to_system_pods("kube-system", {"k8s-app": "kube-dns"}, (53, "UDP"), (53, "TCP"))
        ]
        if istiod:
            egress.append(_to_system_pods("istio-system", {"app": "istiod"}, (15012, "TCP")))
        egress.append({"to": [{"podSelector": {"matchLabels": {"app": target}}}], "ports": [{"port": port}]})
        policies = [
            {"metadata": {"name": caller}, "spec": {"podSelector": {"matchLabels": {"app": caller}}, "egress": egress}},
            {
                "metadata": {"name": f"{target}-from-{caller}"},
                "spec": {
                    "podSelector": {"matchLabels": {"app": target}},
                    "ingress": [
                        {"from": [{"podSelector": {"matchLabels": {"app": caller}}}], "ports": [{"port": port}]}
                    ],
                },
            },
        ]
        items = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **policy} for policy in policies]
        self.kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))

    def wait_until(self, what: str, predicate: Callable[[], bool], timeout_s: float = 120.0) -> float:
        """Seconds until predicate() held; fails the test with `what` after timeout_s."""
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout_s:
                raise AssertionError(f"{what}: not so after {timeout_s:.0f} s")
            time.sleep(1.0)
        return time.monotonic() - started

    def ready_pods(self, app: str) -> list[dict[str, Any]]:
        pods = self.json("pods", "-l", f"app={app}")["items"]
        return [
            pod
            for pod in pods
            if pod["metadata"].get("deletionTimestamp") is None
            and any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
        ]


def _to_system_pods(namespace: str, labels: dict[str, str], *ports: tuple[int, str]) -> dict[str, Any]:
    """An egress rule to the pods of `labels` in another namespace, on the given (port, protocol) pairs."""
    return {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "podSelector": {"matchLabels": labels},
            }
        ],
        "ports": [{"port": port, "protocol": protocol} for port, protocol in ports],
    }


@pytest.fixture(scope="session")
def kube() -> Kube:
    kubeconfig = STATE / "admin.kubeconfig"
    if not kubeconfig.is_file():
        pytest.fail(f"no cluster: {kubeconfig} is missing; `make cluster-test` (or make cluster-up) brings one up")
    env = dict(os.environ)
    env["KUBECONFIG"] = str(kubeconfig)
    env["TRIPSAGE_SERVICES"] = " ".join(SERVICES)  # cluster.sh takes the manifest's list, as the Makefile gives it
    # The harness's kubectl (v1.34) before any other on PATH; helm from .tools/bin for tripsage-rollout.
    env["PATH"] = f"{REPO / '.tools' / 'cluster'}:{REPO / '.tools' / 'bin'}:{env['PATH']}"
    return Kube(env=env)


@pytest.fixture(scope="session")
def gateway_ip(kube: Kube) -> str:
    """The gateway Service's ClusterIP, reached from the host over the harness's bridge."""
    ip: str = kube.json("service", "gateway")["spec"]["clusterIP"]
    return ip


@pytest.fixture(scope="session")
def jwt_secret(kube: Kube) -> str:
    """The JWT secret cluster.sh generated into the cluster's Secret; tokens are signed with it."""
    data = kube.json("secret", "tripsage-gateway")["data"]
    return base64.b64decode(data["jwt-secret"]).decode()


@pytest.fixture(scope="session")
def token(jwt_secret: str) -> Callable[[str], str]:
    return lambda sub: mint_token(sub=sub, secret=jwt_secret)


@pytest.fixture
def gateway(gateway_ip: str, token: Callable[[str], str]) -> Iterator[httpx.Client]:
    """A client of the gateway's Service, authenticated as a fresh user."""
    user = f"cluster-{os.urandom(4).hex()}"
    headers = {"authorization": f"Bearer {token(user)}"}
    with httpx.Client(base_url=f"http://{gateway_ip}:8000", headers=headers, trust_env=False, timeout=20) as client:
        yield client
