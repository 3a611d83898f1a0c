"""Write every list of services from the manifest (tripsage_core/services.toml): `make generate`.

The generated part of a file sits between two marker comments,

    # >>> generated from services.toml: <region> (make generate; edit services.toml, not here)
    # <<< generated

and is rewritten whole; everything around it is kept. A JSON file takes no comments, so the dashboard's list of
services is rewritten in place. tests/test_generated.py fails when a file drifts from the manifest.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tripsage_core.manifest import MANIFEST_FILE, ManifestEntry, parse_manifest

REPO = Path(__file__).resolve().parents[4]
MANIFEST = Path("libs/core/src/tripsage_core") / MANIFEST_FILE
DASHBOARD = Path("deploy/datadog/dashboards/services.json")

_REGION = re.compile(
    r"^(?P<indent>[ \t]*)# >>> generated from services\.toml: (?P<name>[\w-]+)[^\n]*\n(?P<body>.*?)"
    r"^(?P=indent)# <<< generated[^\n]*$",
    re.MULTILINE | re.DOTALL,
)

Specs = Sequence[ManifestEntry]


def _upstreams(specs: Specs) -> list[ManifestEntry]:
    return [spec for spec in specs if spec.path_prefixes]


def _compose_service(spec: ManifestEntry, specs: Specs) -> list[str]:
    prefix = spec.env_prefix
    environment = [
        f"{prefix}_ENVIRONMENT: development",
        f"{prefix}_REDIS_URL: redis://cache:6379/0",
        f"{prefix}_OTLP_ENDPOINT: ${{OTLP_ENDPOINT:-}}",
    ]
    depends = ["cache: {condition: service_healthy}"]
    if spec.uses_database:
        environment.append(f"{prefix}_DATABASE_URL: postgresql://postgres@postgres:5432/tripsage")
        depends.append("migrate: {condition: service_completed_successfully}")
    if spec.name == "gateway":
        environment += [f"GATEWAY_UPSTREAMS__{up.name.upper()}: http://{up.name}:{up.port}" for up in _upstreams(specs)]
        depends += [f"{up.name}: {{condition: service_healthy}}" for up in _upstreams(specs)]
    if spec.uses_sandbox:
        environment.append(f"{prefix}_PROVIDER_BASE_URL: http://sandbox:8100")
        depends.append("sandbox: {condition: service_healthy}")
    return [
        f"{spec.name}:",
        "  <<: *service",
        f"  image: {spec.image}:${{TAG:-dev}}",
        "  build:",
        "    <<: *build",
        f"    dockerfile: {spec.dockerfile}",
        "  environment:",
        *(f"    {line}" for line in environment),
        "  ports:",
        f'    - "127.0.0.1:{spec.port}:{spec.port}"',
        "  depends_on:",
        *(f"    {line}" for line in depends),
    ]


def _compose_services(specs: Specs) -> list[str]:
    lines: list[str] = []
    for spec in specs:
        lines += [*([""] if lines else []), *_compose_service(spec, specs)]
    return lines


def _compose_local(specs: Specs) -> list[str]:
    return [line for s in specs for line in (f"{s.name}:", f"  build: {{<<: *build, dockerfile: {s.dockerfile}}}")]


def _names(specs: Specs) -> str:
    return " ".join(spec.name for spec in specs)


RENDERERS: dict[str, Callable[[Specs], list[str]]] = {
    "chart-services": lambda specs: [f"CHART_SERVICES := {_names(specs)}"],
    "image-services": lambda specs: [f"SERVICES=({_names(specs)})"],
    "compose-services": _compose_services,
    "compose-local-services": _compose_local,
    "gateway-upstream-urls": lambda specs: [
        f'GATEWAY_UPSTREAMS__{s.name.upper()}: "http://{s.name}:{s.port}"' for s in _upstreams(specs)
    ],
    "gateway-upstream-ports": lambda specs: [f"{s.name}: {s.port}" for s in _upstreams(specs)],
    "hadolint-dockerfiles": lambda specs: [f"- {s.dockerfile}" for s in specs],
    "deploy-services": lambda specs: [f"for service in {_names(specs)}; do"],
    "release-services": lambda specs: [f"service: [{', '.join(s.name for s in specs)}]"],
}

# The files with generated regions; each must hold at least one (a marker deleted by hand is drift too).
GENERATED_FILES = (
    Path("Makefile"),
    Path("deploy/docker/build-images.sh"),
    Path("docker-compose.yml"),
    Path("deploy/docker/compose.local.yml"),
    Path("helm/gateway/values.yaml"),
    Path(".github/workflows/ci.yml"),
    Path(".github/workflows/deploy.yml"),
    Path(".github/workflows/release.yml"),
)


class GenerateError(RuntimeError):
    """A file lost its markers, or names a region no renderer knows."""


def render_regions(text: str, specs: Specs, *, path: Path) -> str:
    found = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        found += 1
        name, indent = match["name"], match["indent"]
        if name not in RENDERERS:
            raise GenerateError(f"{path}: unknown generated region {name!r}")
        body = "".join(f"{indent}{line}\n" if line else "\n" for line in RENDERERS[name](specs))
        begin, _, rest = match.group(0).partition("\n")
        end = rest[len(match["body"]) :]
        return f"{begin}\n{body}{end}"

    rendered = _REGION.sub(replace, text)
    if not found:
        raise GenerateError(f"{path}: no generated region (its markers were removed?)")
    return rendered


def render_dashboard(text: str, specs: Specs) -> str:
    dashboard = json.loads(text)
    variable = next(v for v in dashboard["template_variables"] if v["name"] == "service")
    variable["available_values"] = [spec.name for spec in specs]
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"


def rendered_files(root: Path) -> dict[Path, str]:
    """Every generated file under root as the manifest under root says it should read."""
    specs = parse_manifest((root / MANIFEST).read_text())
    files = {path: render_regions((root / path).read_text(), specs, path=path) for path in GENERATED_FILES}
    files[DASHBOARD] = render_dashboard((root / DASHBOARD).read_text(), specs)
    return files


def drifted(root: Path) -> list[Path]:
    return [path for path, text in rendered_files(root).items() if (root / path).read_text() != text]


def write(root: Path) -> list[Path]:
    written = []
    for path, text in rendered_files(root).items():
        if (root / path).read_text() != text:
            (root / path).write_text(text)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    root = Path(argv[0]) if argv else REPO
    for path in write(root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
