"""Settings read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _default_model_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "tripsage" / "models"


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """Runtime knobs; every field has an env variable of the same name, SANDBOX_ prefixed."""

    host: str = "127.0.0.1"
    port: int = 8100
    amadeus_token_ttl: int = 1799
    latency_ms: float = 0.0
    model_dir: Path = _default_model_dir()

    @classmethod
    def from_env(cls) -> SandboxSettings:
        """Build settings from SANDBOX_* environment variables."""
        env = os.environ
        return cls(
            host=env.get("SANDBOX_HOST", cls.host),
            port=int(env.get("SANDBOX_PORT", cls.port)),
            amadeus_token_ttl=int(env.get("SANDBOX_AMADEUS_TOKEN_TTL", cls.amadeus_token_ttl)),
            latency_ms=float(env.get("SANDBOX_LATENCY_MS", cls.latency_ms)),
            model_dir=Path(env["SANDBOX_MODEL_DIR"]) if env.get("SANDBOX_MODEL_DIR") else _default_model_dir(),
        )
