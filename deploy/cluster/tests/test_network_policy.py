"""The charts' NetworkPolicies, enforced on the live cluster by kube-network-policies: default-deny proven by traffic.

An intruder (a pod no policy names) cannot open a TCP connection to flights, the gateway can; and the same outside
pod that flights refuses connects to a pod no policy covers, so what refuses it is the policy, not the network.
A refused SYN is dropped, never answered, so the denial is a connect timeout, counted by the agent as a drop.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Kube

# Where the agent serves its Prometheus metrics on the node (deploy/cluster/netpol/kube-network-policies.yaml).
AGENT_METRICS = "http://127.0.0.1:21260/metrics"
AGENT_QUEUE = 98
QUEUES = Path("/proc/net/netfilter/nfnetlink_queue")
OUTSIDE_NAMESPACE = "netpol-outside"
LISTENER_PORT = 8080
# A dropped SYN is never answered: the denied connect times out after this, whatever the machine's load.
DENIED_TIMEOUT_S = 3.0
# An admitted connect answers in milliseconds; the bound is generous so a busy machine cannot fail it.
ALLOWED_TIMEOUT_S = 30.0

_CONNECT = """
import socket, sys, time
started = time.monotonic()
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
    outcome = "connected"
except OSError as error:
    outcome = type(error).__name__
print(outcome, round(time.monotonic() - started, 2))
"""


# Through a sidecar a raw connect would end at the pod's own Envoy, which accepts anything: there the gateway's call is
# an HTTP request by Service name, which Envoy carries over mTLS to flights' pod.
_GET = """
import sys, time, urllib.request
started = time.monotonic()
status = urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])).status
print("connected" if status == 200 else status, round(time.monotonic() - started, 2))
"""


def _connect(kube: Kube, namespace: str, pod: str, ip: str, port: int, timeout_s: float) -> tuple[str, float]:
    """A TCP connect from inside `pod` to ip:port: the outcome and the seconds it took."""
    return _python_in(kube, namespace, pod, _CONNECT, ip, str(port), str(timeout_s))


def _python_in(kube: Kube, namespace: str, pod: str, script: str, *args: str) -> tuple[str, float]:
    # -c: the gateway's container beside a sidecar; a throwaway pod's one container is named probe.
    container = "gateway" if pod.startswith("gateway-") else "probe"
    output = kube.run("kubectl", "-n", namespace, "exec", pod, "-c", container, "--", "python3", "-c", script, *args)
    outcome, seconds = output.split()
    return outcome, float(seconds)


def _gateway_reaches_flights(kube: Kube, flights_ip: str, port: int) -> tuple[str, float]:
    gateway = kube.ready_pods("gateway")[0]
    containers = {c["name"] for c in gateway["spec"]["containers"] + gateway["spec"].get("initContainers", [])}
    name = gateway["metadata"]["name"]
    if "istio-proxy" in containers:
        return _python_in(kube, "tripsage", name, _GET, f"http://flights:{port}/health", str(ALLOWED_TIMEOUT_S))
    return _connect(kube, "tripsage", name, flights_ip, port, ALLOWED_TIMEOUT_S)


def _dropped_tcp_packets() -> float:
    """The agent's count of TCP packets it dropped for a policy."""
    metrics = httpx.get(AGENT_METRICS, timeout=10, trust_env=False).text
    pattern = r'^kube_network_policies_packet_count\{(?=[^}]*protocol="TCP")(?=[^}]*verdict="drop")[^}]*\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, metrics, flags=re.MULTILINE))


@contextmanager
def _pods(kube: Kube, *pods: tuple[str, str, list[str]]) -> Iterator[dict[str, tuple[str, str]]]:
    """Throwaway pods of the gateway's image, (namespace, app label, command) each, Ready: name and IP by label."""
    suffix = uuid.uuid4().hex[:6]
    manifests = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{app}-{suffix}",
                "namespace": namespace,
                # No sidecar even where a namespace asks for injection: these test the network, not the mesh.
                "labels": {"app": app, "sidecar.istio.io/inject": "false"},
            },
            "spec": {
                "terminationGracePeriodSeconds": 1,
                "automountServiceAccountToken": False,
                "containers": [
                    {
                        "name": "probe",
                        "image": kube.image("gateway"),
                        "imagePullPolicy": "Never",
                        "command": command,
                        # Ready once it listens, for the one that does (the kubelet's probe comes from the node).
                        **(
                            {"readinessProbe": {"tcpSocket": {"port": LISTENER_PORT}, "periodSeconds": 1}}
                            if "http.server" in command
                            else {}
                        ),
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": 10001,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]},
                        },
                    }
                ],
            },
        }
        for namespace, app, command in pods
    ]
    kube.run("kubectl", "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests}))
    try:
        found = {}
        for manifest in manifests:
            meta = manifest["metadata"]
            at = ("kubectl", "-n", meta["namespace"])
            kube.run(*at, "wait", f"pod/{meta['name']}", "--for=condition=Ready", "--timeout=120s", timeout=150)
            pod = json.loads(kube.run(*at, "get", "pod", meta["name"], "-o", "json"))
            found[meta["labels"]["app"]] = (meta["name"], pod["status"]["podIP"])
        yield found
    finally:
        for manifest in manifests:
            meta = manifest["metadata"]
            kube.run("kubectl", "-n", meta["namespace"], "delete", "pod", meta["name"], "--wait=false", check=False)


@pytest.fixture
def outside_namespace(kube: Kube) -> Iterator[str]:
    """A namespace of this test's own, with no NetworkPolicy: its pods' own traffic is not policed."""
    kube.run("kubectl", "create", "namespace", OUTSIDE_NAMESPACE)
    try:
        yield OUTSIDE_NAMESPACE
    finally:
        kube.run("kubectl", "delete", "namespace", OUTSIDE_NAMESPACE, "--wait=false", check=False)


# Three pods to start on a busy node: more than the per-test default, each wait bounded on its own.
@pytest.mark.timeout(400)
def test_default_deny_drops_an_intruder_while_the_gateway_reaches_flights(kube: Kube, outside_namespace: str) -> None:
    port = kube.ports["flights"]
    flights_ip = kube.ready_pods("flights")[0]["status"]["podIP"]
    sleep = ["python3", "-c", "import time; time.sleep(3600)"]
    listener = ["python3", "-m", "http.server", "--bind", "0.0.0.0", str(LISTENER_PORT)]
    with _pods(
        kube,
        ("tripsage", "netpol-intruder", sleep),
        (outside_namespace, "netpol-outsider", sleep),
        (outside_namespace, "netpol-listener", listener),
    ) as pods:
        intruder, outsider, (_, listener_ip) = (
            pods[app] for app in ("netpol-intruder", "netpol-outsider", "netpol-listener")
        )
        drops_before = _dropped_tcp_packets()

        # The control: the outsider reaches a pod no policy covers, so its network works.
        control = _connect(kube, outside_namespace, outsider[0], listener_ip, LISTENER_PORT, ALLOWED_TIMEOUT_S)
        # flights' ingress admits the gateway only: the outsider's own namespace polices nothing, flights' policy drops.
        from_outside = _connect(kube, outside_namespace, outsider[0], flights_ip, port, DENIED_TIMEOUT_S)
        # In the tripsage namespace an unnamed pod is cut both ways: its egress by default-deny, flights' ingress.
        from_inside = _connect(kube, "tripsage", intruder[0], flights_ip, port, DENIED_TIMEOUT_S)
        from_gateway = _gateway_reaches_flights(kube, flights_ip, port)
        drops = _dropped_tcp_packets() - drops_before

    assert control[0] == "connected", control
    # TimeoutError, not ConnectionRefusedError: the SYN was dropped, no RST came back; a refused port would answer.
    assert from_outside[0] == "TimeoutError", from_outside
    assert from_inside[0] == "TimeoutError", from_inside
    assert from_gateway[0] == "connected", from_gateway
    # The agent dropped them (each timed-out connect retransmits its SYN, each one queued and dropped again).
    assert drops >= 2, f"kube-network-policies counted {drops} dropped TCP packets"
    print(
        f"\nnetworkpolicy: intruder -> flights:{port} denied (timeout {DENIED_TIMEOUT_S:.0f} s, from tripsage and from "
        f"{outside_namespace}), gateway -> flights:{port} allowed ({from_gateway[1]} s), outsider -> pod without "
        f"policy allowed ({control[1]} s); {drops:.0f} TCP packets dropped by kube-network-policies"
    )


def test_every_new_pod_connection_is_queued_to_the_agent(kube: Kube) -> None:
    """The agent runs, holds its NFQUEUE, and the harness's chain (cluster.sh netpol_up) sends pods' packets there."""
    agent = json.loads(
        kube.run("kubectl", "-n", "kube-system", "get", "daemonset", "kube-network-policies", "-o", "json")
    )
    assert agent["status"]["numberReady"] == 1, agent["status"]
    # /proc/net/netfilter/nfnetlink_queue: queue number, then the port id of the process bound to it.
    queues = {line.split()[0]: line.split()[1] for line in QUEUES.read_text().splitlines()}
    assert queues.get(str(AGENT_QUEUE), "0") != "0", queues
    chain = kube.run("iptables", "-t", "mangle", "-S", "TRIPSAGE-NETPOL")
    for direction in ("-s", "-d"):
        assert f"{direction} 10.216.0.0/24 -j NFQUEUE --queue-num {AGENT_QUEUE}" in chain, chain
    assert "-j TRIPSAGE-NETPOL" in kube.run("iptables", "-t", "mangle", "-S", "POSTROUTING")
