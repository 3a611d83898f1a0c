"""Every rendered object validates against the Kubernetes API schemas and Istio's CRD schemas, offline."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tripsage_rollout import plan
from tripsage_rollout.charts import ENVIRONMENTS, SERVICES
from tripsage_rollout.schemas import (
    ISTIO_API_VERSION,
    ISTIO_CRDS_IN_MODULE,
    IstioSchemas,
    is_istio,
    istio_errors,
    kubernetes_errors,
    load_istio_schemas,
)

Render = Callable[..., list[dict[str, Any]]]
SCENARIOS = {"canary-10": plan.canary("0.2.0", 10), "blue-green": plan.switch("green")}


def _istio_crd_file() -> Path | None:
    if os.environ.get("ISTIO_CRDS"):
        return Path(os.environ["ISTIO_CRDS"])
    go = shutil.which("go")
    if go is None:
        return None
    modcache = subprocess.run([go, "env", "GOMODCACHE"], capture_output=True, text=True, check=False).stdout.strip()
    candidate = Path(modcache) / f"istio.io/api@{ISTIO_API_VERSION}" / ISTIO_CRDS_IN_MODULE
    return candidate if candidate.is_file() else None


@pytest.fixture(scope="module")
def istio_schemas() -> IstioSchemas:
    crd_file = _istio_crd_file()
    if crd_file is None or not crd_file.is_file():
        pytest.skip(
            f"Istio CRDs not found: `make charts` fetches them (go mod download istio.io/api@{ISTIO_API_VERSION}), "
            "or set ISTIO_CRDS to customresourcedefinitions.gen.yaml"
        )
    return load_istio_schemas(crd_file)


def _errors(obj: dict[str, Any], istio_schemas: IstioSchemas) -> list[str]:
    return istio_errors(obj, istio_schemas) if is_istio(obj) else kubernetes_errors(obj)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_rendered_object_matches_its_api_schema(
    rendered: Render, istio_schemas: IstioSchemas, service: str, env: str, scenario: str
) -> None:
    problems = {
        f"{obj['kind']}/{obj['metadata']['name']}": errors
        for obj in rendered(service, env, SCENARIOS[scenario])
        if (errors := _errors(obj, istio_schemas))
    }
    assert not problems


def test_a_misspelt_istio_field_is_caught(rendered: Render, istio_schemas: IstioSchemas) -> None:
    (virtual_service,) = [o for o in rendered("flights", "production") if o["kind"] == "VirtualService"]
    broken = copy.deepcopy(virtual_service)
    route = broken["spec"]["http"][-1]["route"][0]
    route["weigth"] = route.pop("weight")
    assert any("weigth" in error for error in istio_errors(broken, istio_schemas))


def test_an_incomplete_or_mistyped_kubernetes_object_is_caught(rendered: Render) -> None:
    (deployment,) = [o for o in rendered("time", "production") if o["kind"] == "Deployment"]
    incomplete = copy.deepcopy(deployment)
    incomplete["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/ready"}}
    assert kubernetes_errors(incomplete)
    mistyped = copy.deepcopy(deployment)
    mistyped["spec"]["revisionHistoryLimit"] = "five"
    assert kubernetes_errors(mistyped)
