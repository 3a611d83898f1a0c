"""Settings read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_model_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "tripsage" / "models"


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100
DEFAULT_TOKEN_TTL_S = 1799
DEFAULT_DUFFEL_RATE_LIMIT = 6000
DEFAULT_DUFFEL_OFFER_TTL_S = 1800


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """Runtime knobs; every field has an env variable of the same name, SANDBOX_ prefixed."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    amadeus_token_ttl: int = DEFAULT_TOKEN_TTL_S
    latency_ms: float = 0.0
    duffel_rate_limit: int = DEFAULT_DUFFEL_RATE_LIMIT
    duffel_offer_ttl: int = DEFAULT_DUFFEL_OFFER_TTL_S
    model_dir: Path = field(default_factory=_default_model_dir)

    @classmethod
    def from_env(cls) -> SandboxSettings:
        """Build settings from SANDBOX_* environment variables."""
        env = os.environ
        return cls(
            host=env.get("SANDBOX_HOST", DEFAULT_HOST),
            port=int(env.get("SANDBOX_PORT", DEFAULT_PORT)),
            amadeus_token_ttl=int(env.get("SANDBOX_AMADEUS_TOKEN_TTL", DEFAULT_TOKEN_TTL_S)),
            latency_ms=float(env.get("SANDBOX_LATENCY_MS", 0)),
            duffel_rate_limit=int(env.get("SANDBOX_DUFFEL_RATE_LIMIT", DEFAULT_DUFFEL_RATE_LIMIT)),
            duffel_offer_ttl=int(env.get("SANDBOX_DUFFEL_OFFER_TTL", DEFAULT_DUFFEL_OFFER_TTL_S)),
            model_dir=Path(env["SANDBOX_MODEL_DIR"]) if env.get("SANDBOX_MODEL_DIR") else _default_model_dir(),
        )
