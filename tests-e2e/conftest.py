"""Start the stack exactly as `make run` does (same command, ports shifted so a running dev stack is untouched)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tripsage_devstack.harness import RunningStack, running_stack

OFFSET = int(os.environ.get("TRIPSAGE_E2E_PORT_OFFSET", "20000"))
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(offset=OFFSET, run_dir=tmp_path_factory.mktemp("stack"), cwd=REPO) as running:
        yield running
