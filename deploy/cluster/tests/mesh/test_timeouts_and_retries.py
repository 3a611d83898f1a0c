"""The charts' VirtualService timeouts and retries, seen in traffic. flights is made slower than its mesh timeout (the
fault switch's delay): Envoy answers 504 itself (response flag UT) no sooner than the timeout, while through the gateway
its own, shorter deadline answers first. flights is made to answer 503 to every second request: the gateway's Envoy
retries each one (its own counters say so) and every search through the ingress succeeds."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_gateway.config import GatewaySettings

if TYPE_CHECKING:
    from conftest import Kube, Mesh

SERVICE, PORT = "flights", 8001
SEARCH = "/v1/flights/search"
# This tree's flights, with the fault switch's delay and 503 settings (tripsage_core.fault): `make mesh-images`.
DRILL_SOURCE_IMAGE = "tripsage/flights:mesh"
DRILL_TAG = "drill-mesh"
# Sequential on purpose: one caller keeps the 503 on every second request falling on first tries only, so each
# request needs exactly one retry, whatever the machine's load.
RETRY_SEARCHES = 40
# Envoy's default access log line: "<METHOD> <PATH> <PROTOCOL>" <CODE> <RESPONSE_FLAGS> <DETAILS> ...
_TIMED_OUT = re.compile(r'"GET /v1/flights/search[^"]*" 504 UT\b')
# Envoy's counters of calls to flights' stable subset: cluster.outbound|8001|stable|flights.tripsage….<counter>
_COUNTER = re.compile(rf"^cluster\.outbound\|{PORT}\|stable\|{SERVICE}\.tripsage\.svc\.cluster\.local;?\.(\w+)$")


@pytest.fixture(scope="module")
def drill_image(kube: Kube) -> Iterator[None]:
    kube.load_image(DRILL_SOURCE_IMAGE, kube.image(SERVICE, DRILL_TAG))
    yield
    kube.install(SERVICE)  # back to the plain release for whatever runs next


def _flights_with_faults(kube: Kube, **fault: str) -> None:
    """flights as one pod of the drill image, its fault switch on with these settings (FLIGHTS_INJECT_...)."""
    settings = {"INJECT_FAULTS": "true", **fault}
    values = [arg for key, value in settings.items() for arg in ("--set-string", f"config.FLIGHTS_{key}={value}")]
    kube.install(SERVICE, "--set", f"image.tag={DRILL_TAG}", *values)
    image = kube.image(SERVICE, DRILL_TAG)

    def one_drill_pod() -> bool:
        pods = kube.json("pods", "-l", f"app={SERVICE}")["items"]
        ready = kube.ready_pods(SERVICE)
        return len(pods) == 1 and len(ready) == 1 and ready[0]["spec"]["containers"][0]["image"] == image

    kube.wait_until("one flights pod of the drill image, Ready", one_drill_pod, timeout_s=180)


def _stable_counters(stats: dict[str, int]) -> dict[str, int]:
    return {m[1]: value for name, value in stats.items() if (m := _COUNTER.match(name))}


def _mesh_timeout_s(kube: Kube) -> float:
    routes = kube.json("virtualservice", SERVICE)["spec"]["http"]
    (timeout,) = {route["timeout"] for route in routes}
    seconds = re.fullmatch(r"(\d+(?:\.\d+)?)s", timeout)
    assert seconds, f"the chart's timeout {timeout!r} is not in whole seconds"
    return float(seconds[1])


def _timed_get(kube: Kube, pod: str, url: str) -> dict[str, object]:
    """A GET from inside `pod`, timed there: status, seconds, body."""
    probe = (
        "import json, time, urllib.request, urllib.error\n"
        "started = time.monotonic()\n"
        "try:\n"
        f"    response = urllib.request.urlopen({url!r}, timeout=120)\n"
        "    status, body = response.status, response.read()\n"
        "except urllib.error.HTTPError as error:\n"
        "    status, body = error.code, error.read()\n"
        "elapsed = time.monotonic() - started\n"
        "print(json.dumps({'status': status, 'elapsed': elapsed, 'body': body.decode(errors='replace')}))\n"
    )
    result: dict[str, object] = json.loads(
        kube.kubectl("exec", pod, "-c", "caller", "--", "python3", "-c", probe, timeout=180)
    )
    return result


@pytest.mark.timeout(600)
def test_flights_slower_than_its_mesh_timeout_is_answered_504_by_envoy_no_sooner_than_the_timeout(
    kube: Kube, mesh: Mesh, drill_image: None
) -> None:
    timeout_s = _mesh_timeout_s(kube)
    _flights_with_faults(kube, INJECT_DELAY_S=str(timeout_s + 10))
    pod = mesh.caller(service_account="gateway", meshed=True)
    timeouts_before = _stable_counters(mesh.envoy_stats(pod)).get("upstream_rq_timeout", 0)
    direct = _timed_get(kube, pod, f"http://{SERVICE}:{PORT}{SEARCH}")
    assert direct["status"] == 504, direct
    # Envoy flushes its access log every second: wait for the line, bounded.
    kube.wait_until(
        "the 504 UT line in the caller's access log",
        lambda: _TIMED_OUT.search(kube.kubectl("logs", pod, "-c", "istio-proxy")) is not None,
        timeout_s=30,
    )
    counters = _stable_counters(mesh.envoy_stats(pod))
    assert direct["body"] == "upstream request timeout", direct  # Envoy's own answer, not the service's
    assert counters.get("upstream_rq_timeout", 0) == timeouts_before + 1, counters  # the caller's Envoy's own count
    elapsed = float(str(direct["elapsed"]))
    assert elapsed >= timeout_s  # a lower bound only: how much later it came is the machine's load

    # Through the gateway its own deadline for flights, below the mesh's timeout, answers first and says why.
    deadline_s = GatewaySettings().upstream_timeouts_s[SERVICE]
    with mesh.ingress() as client:
        started = time.monotonic()
        gateway = client.get(SEARCH, params=mesh.flight_search_params())
        gateway_elapsed = time.monotonic() - started
    assert gateway.status_code == 504, gateway.text
    assert gateway.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE), gateway.headers
    assert gateway_elapsed >= deadline_s
    print(
        f"\nmesh timeout: flights held {timeout_s + 10:.0f} s; called directly, Envoy answered 504 UT "
        f"'{direct['body']}' after {elapsed:.1f} s (VirtualService timeout {timeout_s:.0f} s); through the gateway "
        f"its own 504 problem+json after {gateway_elapsed:.1f} s (its deadline {deadline_s:.0f} s)"
    )


def _retry_counters(mesh: Mesh) -> dict[str, int]:
    """The gateway's Envoys' counters for calls to flights' stable subset, summed over the gateway pods."""
    # upstream_rq_5xx is not among them: Envoy charges it with the answer that ends a request, so a retried 503 is not.
    names = ("upstream_rq_total", "upstream_rq_retry", "upstream_rq_retry_success")
    counters = _stable_counters(mesh.gateway_envoy_stats())
    return {name: counters.get(name, 0) for name in names}


@pytest.mark.timeout(600)
def test_a_503_on_every_second_request_is_retried_by_the_callers_envoy_and_every_search_succeeds(
    kube: Kube, mesh: Mesh, drill_image: None
) -> None:
    _flights_with_faults(kube, INJECT_FAULT_STATUS="503", INJECT_FAULT_EVERY="2")
    before = _retry_counters(mesh)
    outcomes: dict[str, int] = {}
    for _ in range(RETRY_SEARCHES):
        status = mesh.get_as_new_user(SEARCH, mesh.flight_search_params(), {})
        outcomes[status] = outcomes.get(status, 0) + 1
    after = _retry_counters(mesh)
    seen = {name: after[name] - before[name] for name in after}
    print(
        f"\nmesh retries: {RETRY_SEARCHES} searches through the ingress -> {outcomes}; the gateway's Envoy retried "
        f"{seen['upstream_rq_retry']} ({seen['upstream_rq_retry_success']} succeeded); flights saw "
        f"{seen['upstream_rq_total']} requests"
    )
    assert outcomes == {"200": RETRY_SEARCHES}, outcomes
    # The gateway's own client retries no statuses (SERVICE_RETRY): every retry counted here is Envoy's.
    assert seen["upstream_rq_retry"] >= RETRY_SEARCHES // 2, seen
    assert seen["upstream_rq_retry_success"] == seen["upstream_rq_retry"], seen
    assert seen["upstream_rq_total"] >= RETRY_SEARCHES + seen["upstream_rq_retry"], seen
