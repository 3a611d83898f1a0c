"""The service manifest: services.toml beside this module, read into typed specs.

Every list of services (devstack, compose, image build, charts, rollout, gateway routes, workflows, dashboards) is
read or generated from it; tripsage_devstack.generate rewrites the generated parts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

MANIFEST_FILE = "services.toml"


class ManifestError(ValueError):
    """The manifest contradicts itself (a port, name or path prefix used twice, an unknown key)."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    name: str
    port: int
    path_prefixes: tuple[str, ...] = ()
    upstream_deadline_s: float | None = None
    uses_database: bool = False
    uses_sandbox: bool = False
    env_prefix: str = ""

    @property
    def command(self) -> str:
        return f"tripsage-{self.name}"

    @property
    def image(self) -> str:
        return f"tripsage/{self.name}"

    @property
    def chart(self) -> str:
        return f"helm/{self.name}"

    @property
    def dockerfile(self) -> str:
        return f"services/{self.name}/Dockerfile"


def parse_manifest(text: str) -> tuple[ManifestEntry, ...]:
    """The services declared in a manifest's text, in order (the gateway first: it fronts the others)."""
    entries: list[dict[str, Any]] = tomllib.loads(text).get("service", [])
    specs = tuple(_spec(entry) for entry in entries)
    for attribute in ("name", "port", "env_prefix"):
        values = [getattr(spec, attribute) for spec in specs]
        if len(set(values)) != len(values):
            raise ManifestError(f"{MANIFEST_FILE}: a service {attribute} is declared twice: {values}")
    prefixes = [prefix for spec in specs for prefix in spec.path_prefixes]
    if len(set(prefixes)) != len(prefixes):
        raise ManifestError(f"{MANIFEST_FILE}: a path prefix is routed twice: {prefixes}")
    if not specs or specs[0].name != "gateway":
        raise ManifestError(f"{MANIFEST_FILE}: the gateway must be the first service")
    return specs


def _spec(entry: dict[str, Any]) -> ManifestEntry:
    known = set(ManifestEntry.__dataclass_fields__)
    unknown = set(entry) - known
    if unknown:
        raise ManifestError(f"{MANIFEST_FILE}: unknown keys {sorted(unknown)} in service {entry.get('name')!r}")
    fields = dict(entry)
    fields["path_prefixes"] = tuple(entry.get("path_prefixes", ()))
    fields["env_prefix"] = entry.get("env_prefix") or str(entry["name"]).upper()
    return ManifestEntry(**fields)


def load_manifest() -> tuple[ManifestEntry, ...]:
    return parse_manifest(resources.files("tripsage_core").joinpath(MANIFEST_FILE).read_text(encoding="utf-8"))


SERVICES: tuple[ManifestEntry, ...] = load_manifest()


def service(name: str) -> ManifestEntry:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def routes(specs: tuple[ManifestEntry, ...] = SERVICES) -> dict[str, str]:
    """Public path prefix -> the service that serves it."""
    return {prefix: spec.name for spec in specs for prefix in spec.path_prefixes}
