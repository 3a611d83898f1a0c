"""A real sandbox process for the session; faults and counters are reset around every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tripsage_sandbox.testing import RunningSandbox, running_sandbox


class SandboxControl:
    """The sandbox's control API: arm faults, read how many calls reached the provider."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.url = sandbox.url
        self.port = sandbox.port
        self._http = httpx.Client(base_url=sandbox.url, trust_env=False, timeout=5)

    def fault(self, kind: str, *, endpoint: str | None = None, **extra: Any) -> None:
        spec = {"provider": "amadeus", "kind": kind, **extra}
        if endpoint:
            spec["endpoint"] = endpoint
        self._http.post("/__sandbox/faults", json=spec).raise_for_status()

    def calls(self, endpoint: str) -> int:
        stats = self._http.get("/__sandbox/stats").json()
        return int(stats["providers"].get("amadeus", {}).get("endpoints", {}).get(endpoint, 0))

    def reset(self) -> None:
        self._http.delete("/__sandbox/faults").raise_for_status()
        self._http.delete("/__sandbox/stats").raise_for_status()


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(Path(tmp_path_factory.mktemp("sandbox"))) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox) -> Iterator[SandboxControl]:
    control = SandboxControl(sandbox_process)
    control.reset()
    yield control
    control.reset()
