"""A real sandbox process for the session; faults and counters are reset around every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tripsage_sandbox.testing import RunningSandbox, SandboxControl, running_sandbox


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(Path(tmp_path_factory.mktemp("sandbox"))) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox) -> Iterator[SandboxControl]:
    control = SandboxControl(sandbox_process, provider="amadeus")
    control.reset()
    yield control
    control.reset()
