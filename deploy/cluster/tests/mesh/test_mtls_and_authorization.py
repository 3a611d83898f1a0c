"""Every service runs with its sidecar; STRICT mTLS refuses plaintext; the certificate a service presents is istiod's;
the AuthorizationPolicy lets the gateway's service account in and turns any other away with 403."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Kube, Mesh

FLIGHTS_URL = "http://flights:8001/health"


def test_every_service_pod_runs_with_its_sidecar_and_serves_through_the_ingress(kube: Kube, mesh: Mesh) -> None:
    for service in kube.services:
        pods = kube.ready_pods(service)
        assert pods, f"no Ready {service} pod"
        for pod in pods:
            spec = pod["spec"]
            proxies = [c for c in spec.get("initContainers", []) + spec["containers"] if c["name"] == "istio-proxy"]
            assert proxies, f"{pod['metadata']['name']} has no sidecar"
            assert proxies[0]["image"].startswith("tripsage-mesh/proxyv2:"), proxies[0]["image"]
            assert any(c["name"] == "istio-init" for c in spec.get("initContainers", [])), "no istio-init capture"
    with mesh.ingress() as client:
        searched = client.get("/v1/flights/search", params=mesh.flight_search_params())
    assert searched.status_code == 200, searched.text
    assert searched.json()["offers"]
    print(f"\nsidecars: {len(kube.services)} services meshed; a flight search through the ingress answered 200")


def test_plaintext_from_a_pod_without_sidecar_is_refused_and_mtls_from_a_meshed_pod_accepted(mesh: Mesh) -> None:
    # This module's three callers, started together (the next test calls from the same pods).
    mesh.callers(("gateway", False), ("gateway", True), ("intruder", True))
    refused = mesh.call_as(service_account="gateway", meshed=False, url=FLIGHTS_URL)
    accepted = mesh.call_as(service_account="gateway", meshed=True, url=FLIGHTS_URL)
    assert refused in {"ConnectionResetError", "RemoteDisconnected", "URLError"}, refused
    assert accepted == "200", accepted
    print(f"\nmTLS STRICT: plaintext from a pod without sidecar -> {refused}; from a meshed pod -> {accepted}")


def test_the_certificate_flights_presents_is_issued_by_istiod_for_its_service_account(kube: Kube, mesh: Mesh) -> None:
    pod = mesh.pod_names("flights")[0]
    certs = json.loads(kube.kubectl("exec", pod, "-c", "istio-proxy", "--", "pilot-agent", "request", "GET", "certs"))[
        "certificates"
    ]
    chains = [c for entry in certs for c in entry.get("cert_chain", [])]
    uris = {san["uri"] for chain in chains for san in chain.get("subject_alt_names", []) if "uri" in san}
    spiffe = "spiffe://cluster.local/ns/tripsage/sa/flights"
    assert spiffe in uris, uris
    # The CA Envoy validates with is istiod's self-signed root, the one istiod publishes to every namespace.
    roots = {c["serial_number"] for entry in certs for c in entry.get("ca_cert", [])}
    pem = kube.json("configmap", "istio-ca-root-cert")["data"]["root-cert.pem"]
    # openssl, as cluster.sh uses for the cluster's own CA: `serial=<HEX>` and `subject=<DN>`.
    described = subprocess.run(
        ["openssl", "x509", "-noout", "-serial", "-subject", "-nameopt", "RFC2253"],
        input=pem,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = dict(line.split("=", 1) for line in described.splitlines())
    assert {int(serial, 16) for serial in roots} == {int(fields["serial"], 16)}, (roots, fields)
    issuer = fields["subject"]
    print(f"\nflights presents {spiffe}, issued under istiod's root {issuer}")


def test_a_service_account_the_policy_does_not_name_gets_403_and_the_gateways_gets_in(mesh: Mesh) -> None:
    denied = mesh.call_as(service_account="intruder", meshed=True, url=FLIGHTS_URL)
    allowed = mesh.call_as(service_account="gateway", meshed=True, url=FLIGHTS_URL)
    assert denied == "403", denied
    assert allowed == "200", allowed
    print(f"\nauthorization: sa/intruder -> {denied}; sa/gateway -> {allowed}")
