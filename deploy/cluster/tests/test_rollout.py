"""`tripsage-rollout` against the live cluster: canary -> promote and canary -> rollback change the live objects
(Deployments, the VirtualService's weights, the DestinationRule's subsets) as docs/deployment.md describes. The
traffic split itself needs a mesh's data plane, which this cluster does not run."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Kube

SERVICE = "flights"


def _rollout(kube: Kube, *args: str) -> None:
    env = {k: v for k, v in kube.env.items() if k not in ("PROMETHEUS_URL", "DD_API_KEY", "DD_APP_KEY")}
    result = subprocess.run(
        ["tripsage-rollout", "--env", "dev", "--timeout", "4m", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _weights(kube: Kube) -> dict[str, int]:
    virtual_service: dict[str, Any] = kube.json("virtualservice", SERVICE)
    (primary,) = [route for route in virtual_service["spec"]["http"] if route["name"] == "primary"]
    return {r["destination"]["subset"]: r["weight"] for r in primary["route"]}


def _subsets(kube: Kube) -> set[str]:
    return {s["name"] for s in kube.json("destinationrule", SERVICE)["spec"]["subsets"]}


def _deployments(kube: Kube) -> dict[str, str]:
    items = kube.json("deployments", "-l", f"app={SERVICE}")["items"]
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"] for d in items}


def test_canary_then_promote_moves_stable_onto_the_canarys_image(kube: Kube) -> None:
    kube.retag(SERVICE, "canary-a")

    _rollout(kube, "canary", SERVICE, "--image", "canary-a", "--weight", "10")
    assert _deployments(kube) == {
        f"{SERVICE}-stable": kube.image(SERVICE),
        f"{SERVICE}-canary": kube.image(SERVICE, "canary-a"),
    }
    assert _weights(kube) == {"stable": 90, "canary": 10}
    assert _subsets(kube) == {"stable", "canary"}
    assert kube.ready_pods(SERVICE), "no Ready flights pod during the canary"

    _rollout(kube, "promote", SERVICE, "--steps", "50,100", "--interval", "0")
    assert _deployments(kube) == {f"{SERVICE}-stable": kube.image(SERVICE, "canary-a")}
    assert _weights(kube) == {"stable": 100}
    assert _subsets(kube) == {"stable"}


def test_canary_then_rollback_removes_the_canary_and_keeps_stable(kube: Kube) -> None:
    kube.retag(SERVICE, "canary-b")
    stable_before = _deployments(kube)[f"{SERVICE}-stable"]

    _rollout(kube, "canary", SERVICE, "--image", "canary-b", "--weight", "25")
    assert _weights(kube) == {"stable": 75, "canary": 25}
    assert _deployments(kube)[f"{SERVICE}-canary"] == kube.image(SERVICE, "canary-b")

    _rollout(kube, "rollback", SERVICE)
    assert _deployments(kube) == {f"{SERVICE}-stable": stable_before}
    assert _weights(kube) == {"stable": 100}
    assert _subsets(kube) == {"stable"}

    # Back to the release cluster.sh deploy made, for whatever runs next.
    kube.install(SERVICE)
