"""Fixtures rendering the Helm charts with the real helm binary; everything here skips without it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tripsage_rollout.charts import SERVICES, Release, build_dependencies, find_helm, render

REPO_ROOT = Path(__file__).resolve().parents[3]
CHARTS_DIR = REPO_ROOT / "helm"
NAMESPACE = "tripsage"

Render = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def helm() -> str:
    binary = find_helm(REPO_ROOT)
    if binary is None:
        pytest.skip(
            "helm is not installed: `make charts` builds it into .tools/bin "
            "(go install helm.sh/helm/v3/cmd/helm@v3.21.4)"
        )
    for service in SERVICES:
        build_dependencies(binary, CHARTS_DIR / service)
    return binary


@pytest.fixture(scope="session")
def rendered(helm: str) -> Render:
    cache: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[dict[str, Any]]] = {}

    def _render(service: str, environment: str = "production", overrides: Mapping[str, str] | None = None) -> Any:
        key = (service, environment, tuple(sorted((overrides or {}).items())))
        if key not in cache:
            cache[key] = render(helm, Release(service, environment, NAMESPACE, CHARTS_DIR), overrides)
        return cache[key]

    return _render
