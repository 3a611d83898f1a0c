"""Every service's Dockerfile is the template rendered for it: a change made in one copy only fails here."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from tripsage_devstack.topology import ALL_SERVICES

GENERATOR = Path(__file__).resolve().parents[1] / "dockerfiles.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tripsage_dockerfiles", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", [s.name for s in ALL_SERVICES])
def test_committed_dockerfile_is_the_template_rendered_for_the_service(name: str) -> None:
    generator = _generator()
    rendered = generator.render(name)
    assert generator.dockerfile(name).read_text() == rendered, "run `make dockerfiles`"
    assert not re.search(r"@[A-Z_]+@", rendered), "a placeholder was left unfilled"
    port = next(s.port for s in ALL_SERVICES if s.name == name)
    assert f"EXPOSE {port}\n" in rendered
    assert f'CMD ["tripsage-{name}"]' in rendered
