"""Write every service's Dockerfile from deploy/docker/service.Dockerfile.in: `make dockerfiles`.

One Dockerfile per service, as the build and the charts expect, without seven hand-kept copies: a service differs
only in its name, port, settings prefix and the few lines below. tests/test_dockerfiles.py fails when one drifts.
"""

from __future__ import annotations

from pathlib import Path

from tripsage_devstack.topology import ALL_SERVICES

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "docker" / "service.Dockerfile.in"

_SIZE_NOTES = {"memory": "No size goal: mem0 and its clients are large."}
_RUNTIME_EXTRA = {
    "gateway": "# The migrations ride with the gateway image: compose's one-shot `migrate` step runs "
    "`tripsage-migrate` from it.\nCOPY deploy/migrations /app/deploy/migrations\n",
}
_ENV_EXTRA = {"memory": " \\\n    MEM0_DIR=/tmp/mem0"}


def render(name: str) -> str:
    service = next(s for s in ALL_SERVICES if s.name == name)
    replacements = {
        "@NAME@": name,
        "@PREFIX@": service.env_prefix,
        "@PORT@": str(service.port),
        "@SIZE_NOTE@": _SIZE_NOTES.get(name, "Size goal: 200 MB."),
        "@RUNTIME_EXTRA@": _RUNTIME_EXTRA.get(name, ""),
        "@ENV_EXTRA@": _ENV_EXTRA.get(name, ""),
    }
    text = TEMPLATE.read_text()
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def dockerfile(name: str) -> Path:
    return REPO / "services" / name / "Dockerfile"


def main() -> None:
    for service in ALL_SERVICES:
        path, text = dockerfile(service.name), render(service.name)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
