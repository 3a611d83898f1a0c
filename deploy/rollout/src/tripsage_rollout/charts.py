"""Where the charts are and the helm command lines that install or render them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tripsage_core.manifest import SERVICES as MANIFEST_SERVICES

SERVICES = tuple(spec.name for spec in MANIFEST_SERVICES)  # each has its chart in helm/<name>
ENVIRONMENTS = ("dev", "staging", "production")
# helm built with `go install` reports Kubernetes v1.20 to templates; the charts need >= 1.30 (preStop sleep).
KUBE_VERSION = "1.31.0"
_REPO_TOOLS = Path(".tools") / "bin" / "helm"


class ChartError(RuntimeError):
    """helm refused or failed; the message carries its stderr."""


def find_helm(repo_root: Path | None = None) -> str | None:
    """The helm binary on PATH, else the repo-local one `make charts` builds into .tools/bin."""
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    root = repo_root or find_repo_root()
    local = root / _REPO_TOOLS if root else None
    return str(local) if local and local.is_file() else None


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest directory at or above start holding the helm/ charts."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "helm" / "tripsage-lib" / "Chart.yaml").is_file():
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Release:
    """One service's release in one environment."""

    service: str
    environment: str
    namespace: str
    charts_dir: Path

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f"unknown service {self.service!r}; one of {', '.join(SERVICES)}")
        if self.environment not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {self.environment!r}; one of {', '.join(ENVIRONMENTS)}")

    @property
    def chart(self) -> Path:
        return self.charts_dir / self.service

    @property
    def environment_values(self) -> Path:
        return self.chart / f"values-{self.environment}.yaml"

    @property
    def values_files(self) -> tuple[Path, ...]:
        return (self.chart / "values.yaml", self.environment_values)


def _set_args(overrides: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in overrides.items():
        # --set-string: a tag like 1.10 must stay the string "1.10", not become the float 1.1.
        flag = "--set-string" if key.endswith(".tag") else "--set"
        args += [flag, f"{key}={value}"]
    return args


def upgrade_command(
    helm: str,
    release: Release,
    overrides: Mapping[str, str],
    *,
    reuse_values: bool,
    timeout: str = "10m",
    kube_context: str | None = None,
) -> list[str]:
    """`helm upgrade --install --atomic --wait` of the release with the environment's values and the overrides."""
    command = [helm, "upgrade", "--install", release.service, str(release.chart), "--namespace", release.namespace]
    # The environment's file only: helm starts from the chart's values.yaml anyway, and passing it as a file would
    # put its image.tag "" and canary.* back over what earlier steps set (a live promotion ended on the old image).
    command += ["--values", str(release.environment_values)]
    if reuse_values:
        # Chart defaults, then what earlier steps set (canary tag, weight), then the files and the overrides:
        # unlike --reuse-values, a changed values file still takes effect.
        command.append("--reset-then-reuse-values")
    command += _set_args(overrides)
    command += ["--atomic", "--wait", "--timeout", timeout]
    if kube_context:
        command += ["--kube-context", kube_context]
    return command


def template_command(helm: str, release: Release, overrides: Mapping[str, str]) -> list[str]:
    """`helm template` of the release as it would be installed, offline."""
    command = [helm, "template", release.service, str(release.chart), "--namespace", release.namespace]
    command += ["--kube-version", KUBE_VERSION]
    for values in release.values_files:
        command += ["--values", str(values)]
    return command + _set_args(overrides)


def run_helm(command: Sequence[str]) -> str:
    """Run a helm command and return its stdout; a failure raises ChartError with helm's own message."""
    # The command is built by this module from validated names, never from a shell string.
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ChartError(result.stderr.strip() or f"helm exited with {result.returncode}")
    return result.stdout


def build_dependencies(helm: str, chart: Path) -> None:
    """Vendor the library chart into chart/charts (offline: it is a file:// dependency)."""
    run_helm([helm, "dependency", "build", str(chart)])


def render(helm: str, release: Release, overrides: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every object the release would create, parsed."""
    manifest = run_helm(template_command(helm, release, overrides or {}))
    return [doc for doc in yaml.safe_load_all(manifest) if doc]


def objects_of_kind(objects: Sequence[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
    """The rendered objects of one kind, in render order."""
    return [obj for obj in objects if obj.get("kind") == kind]
