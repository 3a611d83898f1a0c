"""Canary by weight and by header, counted by the gateway's own Envoy: flights stable + canary, the VirtualService at
90/10, 50/50 and 0/100 with 2,000 searches through the ingress each; the tester header reaches the canary on every
hop, the brief's included. The share is a property of the weights, not of the machine's load, so its bounds hold on
a busy machine as on an idle one."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tripsage_testing.journey import brief_when_all_ok, trip_body

if TYPE_CHECKING:
    from conftest import Kube, Mesh

SERVICE, PORT = "flights", 8001
CANARY_TAG = "canary-mesh"
REQUESTS = 2000
# The issue's bound is two points (10 % ± 2 %: three standard deviations of the binomial at n = 2,000, p = 0.1). At
# p = 0.5 one standard deviation is 1.1 points, so two would fail one run in fourteen by chance alone (48.0 % was
# seen): the bound is three standard deviations, never under two points.
MIN_TOLERANCE = 0.02


def _tolerance(share: float) -> float:
    return max(MIN_TOLERANCE, 3 * math.sqrt(share * (1 - share) / REQUESTS))


TESTER_HEADER = {"x-tripsage-canary": "always"}


def _canary_at(kube: Kube, weight: int) -> None:
    kube.install(
        SERVICE,
        "--set",
        "canary.enabled=true",
        "--set",
        f"canary.weight={weight}",
        "--set",
        f"canary.image.tag={CANARY_TAG}",
    )
    kube.wait_until(f"{SERVICE} canary Ready", lambda: len(kube.ready_pods(SERVICE)) >= 2, timeout_s=180)


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {subset: after.get(subset, 0) - before.get(subset, 0) for subset in ("stable", "canary")}


@pytest.fixture(scope="module")
def canary(kube: Kube) -> Iterator[None]:
    kube.retag(SERVICE, CANARY_TAG)
    yield None
    kube.install(SERVICE)  # back to the plain release for whatever runs next


@pytest.mark.timeout(600)
@pytest.mark.parametrize("weight", [10, 50, 100])
def test_the_canarys_share_of_2000_searches_is_its_weight(kube: Kube, mesh: Mesh, canary: object, weight: int) -> None:
    _canary_at(kube, weight)
    # Istio pushes the new routes within seconds: wait until a probe request follows them, bounded.
    mesh.send_bounded(20, "/v1/flights/search", mesh.flight_search_params(), {})
    before = mesh.gateway_subset_requests(SERVICE, PORT)
    outcomes = mesh.send_bounded(REQUESTS, "/v1/flights/search", mesh.flight_search_params(), {})
    routed = _delta(before, mesh.gateway_subset_requests(SERVICE, PORT))
    share = routed["canary"] / max(1, sum(routed.values()))
    print(f"\ncanary share at weight {weight}: {routed['canary']} of {sum(routed.values())} ({share:.1%}); {outcomes}")
    assert outcomes.get("200", 0) == REQUESTS, outcomes
    # At least one upstream call per search; a few more when the gateway's client retried a failed call (it retries
    # idempotent calls once, then the search still answers 200).
    assert sum(routed.values()) >= REQUESTS, routed
    assert abs(share - weight / 100) <= _tolerance(weight / 100), routed


@pytest.mark.timeout(300)
def test_the_tester_header_reaches_the_canary_on_every_hop_including_the_brief(
    kube: Kube, mesh: Mesh, canary: object
) -> None:
    _canary_at(kube, 0)
    searches = 50
    mesh.send_bounded(5, "/v1/flights/search", mesh.flight_search_params(), TESTER_HEADER)
    # Counted from the gateway's access log, API calls only: its readiness probes of flights' /health carry no
    # tester header and go by weight, every 5 s, into whatever window the searches take on a busy machine.
    since = dt.datetime.now(dt.UTC)
    outcomes = mesh.send_bounded(searches, "/v1/flights/search", mesh.flight_search_params(), TESTER_HEADER)
    searched = _delta({}, mesh.gateway_api_calls(SERVICE, PORT, since, at_least=searches))
    start = dt.date.today() + dt.timedelta(days=60)
    with mesh.ingress(TESTER_HEADER) as client:
        trip = client.post("/v1/trips", json=trip_body(start=start, budget_usd="3500.00"))
        assert trip.status_code == 201, trip.text
        since = dt.datetime.now(dt.UTC)
        brief = brief_when_all_ok(client, trip.json()["id"], deadline_s=60)
    briefed = _delta({}, mesh.gateway_api_calls(SERVICE, PORT, since, at_least=1))
    print(
        f"\nheader routing: searches {searched['canary']} of {sum(searched.values())} to the canary, "
        f"the brief's flights calls {briefed['canary']} of {sum(briefed.values())}"
    )
    assert outcomes.get("200", 0) == searches, outcomes
    assert searched["stable"] == 0, searched
    assert searched["canary"] >= searches, searched
    assert brief["flights"]["status"] == "ok", brief["flights"]
    assert briefed["stable"] == 0, briefed
    assert briefed["canary"] >= 1, briefed
