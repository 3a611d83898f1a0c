"""The seven releases on the live cluster: Running and Ready from the project's images, and a traveller's journey
through the gateway's Service, found by cluster DNS."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING

import httpx

from tripsage_testing.journey import BRIEF_SECTIONS, brief_when_all_ok, trip_body

if TYPE_CHECKING:
    from conftest import Kube


def test_every_service_runs_ready_from_the_projects_own_image(kube: Kube) -> None:
    for service in kube.services:
        pods = kube.ready_pods(service)
        assert pods, f"{service}: no Ready pod"
        images = {c["image"] for pod in pods for c in pod["spec"]["containers"]}
        assert images == {kube.image(service)}, images
        assert all(pod["status"]["phase"] == "Running" for pod in pods)


def test_the_gateways_name_resolves_by_cluster_dns_from_a_pod(kube: Kube, gateway_ip: str) -> None:
    # A throwaway pod of the gateway's image asks cluster DNS (CoreDNS) for the gateway and calls it by name.
    probe = (
        "import json, socket, urllib.request; "
        "ip = socket.gethostbyname('gateway.tripsage.svc.cluster.local'); "
        "short = socket.gethostbyname('gateway'); "
        "status = urllib.request.urlopen('http://gateway:8000/health', timeout=5).status; "
        "print(json.dumps([ip, short, status]))"
    )
    name = f"dns-probe-{int(time.time())}"
    # The namespace denies by default (kube-network-policies enforces it): the probe is admitted to DNS and the
    # gateway's port only.
    kube.admit_test_caller("dns-probe", "gateway", kube.ports["gateway"])
    kube.kubectl(
        "run",
        name,
        "--labels=app=dns-probe",
        f"--image={kube.image('gateway')}",
        "--image-pull-policy=Never",
        "--restart=Never",
        "--command",
        "--",
        "python3",
        "-c",
        probe,
    )
    try:
        # Logs after the pod finished: attaching (`run -i`) can miss the output of a pod this short.
        kube.kubectl("wait", f"pod/{name}", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=90s", timeout=120)
        output = kube.kubectl("logs", f"pod/{name}")
    finally:
        kube.kubectl("delete", "pod", name, "--wait=false")
    assert json.loads(output.strip().splitlines()[-1]) == [gateway_ip, gateway_ip, 200]


def test_a_travellers_journey_through_the_gateway_service(gateway: httpx.Client) -> None:
    start = dt.date.today() + dt.timedelta(days=60)
    end = start + dt.timedelta(days=7)
    trip = gateway.post("/v1/trips", json=trip_body(start=start, budget_usd="3500.00"))
    assert trip.status_code == 201, trip.text
    trip_id = trip.json()["id"]

    # The first brief on a fresh cluster waits on cold caches and connection pools; allow it a minute.
    brief = brief_when_all_ok(gateway, trip_id, deadline_s=60)
    assert {name: brief[name]["status"] for name in BRIEF_SECTIONS} == dict.fromkeys(BRIEF_SECTIONS, "ok"), brief
    assert brief["local_time"]["data"]["timezone"] == "Asia/Tokyo"

    flights = gateway.get(
        "/v1/flights/search",
        params={"origin": "SFO", "destination": "TYO", "departure_date": start.isoformat(), "adults": 1},
    )
    stays = gateway.get(
        "/v1/stays/search",
        params={"city_code": "TYO", "check_in": start.isoformat(), "check_out": end.isoformat(), "adults": 1},
    )
    assert (flights.status_code, stays.status_code) == (200, 200), (flights.text, stays.text)
    assert flights.json()["offers"]
    assert stays.json()["hotels"]

    remembered = gateway.post("/v1/memories", json={"text": "I am vegetarian and allergic to peanuts."})
    assert remembered.status_code in (200, 201), remembered.text
    found = gateway.get("/v1/memories/search", params={"q": "What can I eat on this trip?"})
    assert found.status_code == 200, found.text
    assert any("vegetarian" in hit["memory"] for hit in found.json()["results"]), found.json()

    erased = gateway.delete("/v1/memories")
    assert erased.status_code == 200, erased.text
    assert erased.json()["deleted"] >= 1
    assert gateway.get("/v1/memories/search", params={"q": "food"}).json()["results"] == []


def test_hpa_and_pdb_are_accepted_and_report_status(kube: Kube) -> None:
    for service in kube.services:
        # The HPA controller looks at each HPA every 15 s: right after an install the status may still be empty.
        kube.wait_until(
            f"HPA {service}-stable counted its replicas",
            lambda name=f"{service}-stable": bool(kube.json("hpa", name)["status"].get("currentReplicas")),
            timeout_s=60,
        )
        hpa = kube.json("hpa", f"{service}-stable")
        # The controller has looked at it: replicas counted, conditions set (its CPU figure: test_metrics.py).
        assert hpa["status"].get("currentReplicas", 0) >= 1, hpa["status"]
        conditions = {c["type"]: c for c in hpa["status"].get("conditions", [])}
        assert conditions["AbleToScale"]["status"] == "True", conditions
        assert "ScalingActive" in conditions, conditions
        pdb = kube.json("pdb", f"{service}-stable")
        assert pdb["status"]["currentHealthy"] >= 1, pdb["status"]
        assert pdb["status"]["expectedPods"] >= 1, pdb["status"]
        assert pdb["status"]["observedGeneration"] == pdb["metadata"]["generation"]


def test_each_service_answers_health_on_its_service_port(kube: Kube) -> None:
    for service in kube.services:
        ip = kube.json("service", service)["spec"]["clusterIP"]
        response = httpx.get(f"http://{ip}:{kube.ports[service]}/health", trust_env=False, timeout=5)
        assert response.status_code == 200, (service, response.text)
