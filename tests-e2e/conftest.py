"""Start the stack exactly as `make run` does (same command, ports shifted so a running dev stack is untouched)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tripsage_devstack.harness import RunningStack, running_stack

OFFSET = int(os.environ.get("TRIPSAGE_E2E_PORT_OFFSET", "20000"))
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    # Not under pytest's tmp_path: a concurrent pytest run prunes old basetemps, Postgres data dir included.
    with (
        tempfile.TemporaryDirectory(prefix="tripsage-e2e-") as run_dir,
        running_stack(offset=OFFSET, run_dir=Path(run_dir), cwd=REPO) as running,
    ):
        yield running
