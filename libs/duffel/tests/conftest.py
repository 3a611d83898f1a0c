"""The plugin's sandbox (tripsage_testing), its faults and counters addressed to Duffel."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox_provider() -> str:
    return "duffel"
