"""Which processes make up the stack, on which fixed ports (shifted by an offset for parallel stacks)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from tripsage_core.manifest import SERVICES as MANIFEST_SERVICES
from tripsage_core.manifest import ManifestEntry

POSTGRES_PORT = 5433  # beside, not on, a system Postgres's 5432
REDIS_PORT = 6390  # beside, not on, a system Redis's 6379
SANDBOX_PORT = 8100


# Every service of the manifest (tripsage_core/services.toml), the gateway first.
ALL_SERVICES: tuple[ManifestEntry, ...] = MANIFEST_SERVICES
# A service joins the stack once its package is in the workspace (its console script is installed).
SERVICES: tuple[ManifestEntry, ...] = tuple(s for s in ALL_SERVICES if shutil.which(s.command) or s.name == "gateway")


@dataclass(frozen=True, slots=True)
class Topology:
    offset: int = 0
    host: str = "127.0.0.1"

    def port(self, base: int) -> int:
        return base + self.offset

    def url(self, base: int) -> str:
        return f"http://{self.host}:{self.port(base)}"

    @property
    def gateway_url(self) -> str:
        return self.url(SERVICES[0].port)

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port(POSTGRES_PORT)}/tripsage"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.host}:{self.port(REDIS_PORT)}/0"

    def service_env(self, service: ManifestEntry, *, redis: bool) -> dict[str, str]:
        prefix = service.env_prefix
        env = {
            f"{prefix}_PORT": str(self.port(service.port)),
            f"{prefix}_HOST": self.host,
            f"{prefix}_ENVIRONMENT": "development",
        }
        if redis:
            env[f"{prefix}_REDIS_URL"] = self.redis_url
        if service.uses_database:
            env[f"{prefix}_DATABASE_URL"] = self.database_url
        if service.uses_sandbox:
            # Every provider SDK is pointed at the local sandbox; it accepts any non-empty key.
            env[f"{prefix}_PROVIDER_BASE_URL"] = self.url(SANDBOX_PORT)
        if service.name == "gateway":
            for upstream in SERVICES[1:]:
                env[f"GATEWAY_UPSTREAMS__{upstream.name.upper()}"] = self.url(upstream.port)
        return env
