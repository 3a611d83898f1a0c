"""Blue/green and the rollout tool on the live mesh: switching the active colour under steady load loses no request;
`tripsage-rollout` takes a healthy canary 10 -> 50 -> 100 reading the gateway's Envoy, and rolls a canary that
answers 500s back by itself; the charts' retry policy shows in traffic (a 500 is a bug's answer, never retried)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Kube, Mesh

SERVICE, PORT = "flights", 8001
SEARCH = "/v1/flights/search"
# Steady load is bounded twice: a request budget and the stop once the switch has shown in traffic. Paced, so the
# budget lasts 150 s, longer than a promotion takes, whatever the machine's speed.
MAX_LOAD_REQUESTS = 3000
LOAD_PER_SECOND = 20.0
# The image of this worktree's flights (libs/core's fault switch), built by `make mesh-images`.
FAULT_SOURCE_IMAGE = "tripsage/flights:mesh"


@pytest.fixture(scope="module")
def restore_flights(kube: Kube) -> Iterator[None]:
    yield
    kube.install(SERVICE)


def _colour_requests(mesh: Mesh) -> dict[str, int]:
    return mesh.gateway_subset_requests(SERVICE, PORT)


@pytest.mark.timeout(600)
def test_switching_blue_to_green_under_steady_load_loses_no_request(
    kube: Kube, mesh: Mesh, restore_flights: None
) -> None:
    kube.retag(SERVICE, "green-mesh")
    colours = ["--set", "rollout.strategy=blueGreen", "--set", "blueGreen.green.tag=green-mesh"]
    kube.install(SERVICE, *colours, "--set", "blueGreen.active=blue")
    kube.wait_until("blue and green Ready", lambda: len(kube.ready_pods(SERVICE)) >= 2, timeout_s=180)
    mesh.send_bounded(10, SEARCH, mesh.flight_search_params(), {})
    before = _colour_requests(mesh)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        load = pool.submit(
            mesh.send_bounded, MAX_LOAD_REQUESTS, SEARCH, mesh.flight_search_params(), {}, stop, LOAD_PER_SECOND
        )
        try:
            kube.install(SERVICE, *colours, "--set", "blueGreen.active=green")
            switched = kube.wait_until(
                "green takes the traffic",
                lambda: _colour_requests(mesh).get("green", 0) - before.get("green", 0) >= 50,
                timeout_s=120,
            )
        finally:
            stop.set()
        outcomes = load.result(timeout=120)
    routed = {c: _colour_requests(mesh).get(c, 0) - before.get(c, 0) for c in ("blue", "green")}
    failed = sum(n for outcome, n in outcomes.items() if outcome != "200")
    print(
        f"\nblue/green: {sum(outcomes.values())} requests, failed {failed}; blue {routed['blue']}, green "
        f"{routed['green']}; green took over {switched:.0f} s after the upgrade returned"
    )
    assert failed == 0, outcomes
    assert routed["green"] >= 50, routed


def _rollout(kube: Kube, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in kube.env.items() if k not in ("PROMETHEUS_URL", "DD_API_KEY", "DD_APP_KEY")}
    env["ROLLOUT_ENVOY_CALLERS"] = "gateway"
    return subprocess.run(
        ["tripsage-rollout", "--env", "dev", "--timeout", "4m", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _deployments(kube: Kube) -> dict[str, str]:
    items = kube.json("deployments", "-l", f"app={SERVICE}")["items"]
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"] for d in items}


def _promote_under_load(
    kube: Kube, mesh: Mesh
) -> tuple[subprocess.CompletedProcess[str], dict[str, int], dict[str, int]]:
    """`promote --steps 50,100` while the ingress carries steady searches, so the check has canary traffic to read;
    also the highest canary 5xx and retry counts the gateway's Envoys showed meanwhile (a rollback removes the
    canary's cluster, and its counters with it)."""
    stop = threading.Event()
    seen = {"5xx": 0, "retries": 0}

    def watch() -> None:
        while not stop.wait(2.0):
            try:
                now = _retries_and_errors(mesh)
            except AssertionError:  # a gateway pod replaced between listing and exec: read again
                continue
            for key, value in now.items():
                seen[key] = max(seen[key], value)

    with ThreadPoolExecutor(max_workers=2) as pool:
        load = pool.submit(
            mesh.send_bounded, MAX_LOAD_REQUESTS, SEARCH, mesh.flight_search_params(), {}, stop, LOAD_PER_SECOND
        )
        watcher = pool.submit(watch)
        try:
            # Judged on errors: the p99 bound is the callers' own deadline, as latency on a shared machine is its load.
            promoted = _rollout(
                kube, "promote", SERVICE, "--steps", "50,100", "--interval", "10", "--max-p99-ms", "20000"
            )
        finally:
            stop.set()
        watcher.result(timeout=120)
        return promoted, load.result(timeout=120), seen


@pytest.mark.timeout(900)
def test_the_rollout_tool_promotes_a_healthy_canary_and_rolls_a_failing_one_back_by_itself(
    kube: Kube, mesh: Mesh, restore_flights: None
) -> None:
    kube.install(SERVICE)  # the canary strategy, stable only
    kube.retag(SERVICE, "good-mesh")
    assert _rollout(kube, "canary", SERVICE, "--image", "good-mesh", "--weight", "10").returncode == 0
    kube.wait_until("canary Ready", lambda: len(kube.ready_pods(SERVICE)) >= 2, timeout_s=180)
    promoted, outcomes, _ = _promote_under_load(kube, mesh)
    assert promoted.returncode == 0, promoted.stderr[-3000:]
    assert _deployments(kube) == {f"{SERVICE}-stable": kube.image(SERVICE, "good-mesh")}
    print(f"\nrollout: healthy canary 10 -> 50 -> 100 promoted; load meanwhile {outcomes}")

    kube.load_image(
        FAULT_SOURCE_IMAGE, kube.image(SERVICE, "bad-mesh"), extra_dockerfile="ENV FLIGHTS_INJECT_FAULTS=true"
    )
    assert _rollout(kube, "canary", SERVICE, "--image", "bad-mesh", "--weight", "10").returncode == 0
    kube.wait_until("bad canary Ready", lambda: len(kube.ready_pods(SERVICE)) >= 2, timeout_s=180)
    rolled, outcomes, seen = _promote_under_load(kube, mesh)
    assert rolled.returncode == 2, (rolled.returncode, rolled.stderr[-3000:])
    assert "rolling back" in rolled.stderr, rolled.stderr[-3000:]
    assert _deployments(kube) == {f"{SERVICE}-stable": kube.image(SERVICE, "good-mesh")}
    errors, retries = seen["5xx"], seen["retries"]  # the bad canary's own cluster: new with this canary
    reason = next(line for line in rolled.stderr.splitlines() if "rolling back" in line)
    print(f"rollout: failing canary -> {reason}; canary 5xx {errors}, Envoy retries {retries}; load {outcomes}")
    assert errors > 0
    # The charts' VirtualService retries a 503 (a sick instance), never a 500: each 500 reached the caller once.
    assert retries == 0


def _retries_and_errors(mesh: Mesh) -> dict[str, int]:
    cluster = f"cluster.outbound|{PORT}|canary|{SERVICE}.tripsage.svc.cluster.local;."
    stats = mesh.gateway_envoy_stats()
    return {"5xx": stats.get(cluster + "upstream_rq_5xx", 0), "retries": stats.get(cluster + "upstream_rq_retry", 0)}
