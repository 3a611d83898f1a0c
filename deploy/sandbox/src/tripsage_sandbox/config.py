"""Settings read from the environment once at start-up."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_model_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "tripsage" / "models"


class SandboxSettings(BaseSettings):
    """Runtime knobs; every field has an env variable of the same name, SANDBOX_ prefixed."""

    # An empty variable counts as unset: `SANDBOX_MODEL_DIR=` falls back to the cache folder.
    model_config = SettingsConfigDict(env_prefix="SANDBOX_", env_ignore_empty=True, frozen=True)

    host: str = "127.0.0.1"
    port: int = 8100
    amadeus_token_ttl: int = 1799
    latency_ms: float = 0.0
    duffel_rate_limit: int = 6000
    duffel_offer_ttl: int = 1800
    model_dir: Path = Field(default_factory=_default_model_dir)
