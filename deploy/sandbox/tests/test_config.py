"""SandboxSettings: every knob from its SANDBOX_ variable, an empty one meaning unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripsage_sandbox.config import SandboxSettings


def test_settings_read_their_sandbox_prefixed_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDBOX_PORT", "26123")
    monkeypatch.setenv("SANDBOX_AMADEUS_TOKEN_TTL", "11")
    monkeypatch.setenv("SANDBOX_LATENCY_MS", "2.5")
    monkeypatch.setenv("SANDBOX_DUFFEL_OFFER_TTL", "60")
    monkeypatch.setenv("SANDBOX_MODEL_DIR", str(tmp_path))

    settings = SandboxSettings()

    assert (settings.port, settings.amadeus_token_ttl, settings.latency_ms) == (26123, 11, 2.5)
    assert (settings.duffel_offer_ttl, settings.model_dir) == (60, tmp_path)


def test_an_empty_model_dir_falls_back_to_the_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDBOX_MODEL_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    assert SandboxSettings().model_dir == tmp_path / "tripsage" / "models"


def test_a_malformed_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_PORT", "eighty")

    with pytest.raises(ValueError, match="port"):
        SandboxSettings()
