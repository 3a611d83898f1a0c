"""Gateway settings (env prefix `GATEWAY_`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tripsage_core.manifest import SERVICES
from tripsage_core.settings import ServiceSettings

# Where each service listens in development (`make run`); deployments set GATEWAY_UPSTREAMS__<NAME>.
DEFAULT_UPSTREAMS = {spec.name: f"http://127.0.0.1:{spec.port}" for spec in SERVICES if spec.path_prefixes}


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    port: int = 8000
    # Upstream base URLs by service name; set one with e.g. GATEWAY_UPSTREAMS__TIME=http://time:8005.
    upstreams: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_UPSTREAMS))
    upstream_timeouts_s: dict[str, float] = Field(
        # From the manifest's upstream_deadline_s: each above that service's own provider budget (a test pins it).
        default_factory=lambda: {s.name: s.upstream_deadline_s for s in SERVICES if s.upstream_deadline_s is not None},
        description="Per-service deadlines where a provider is slower than the default (Amadeus searches)",
    )
    upstream_timeout_s: float = Field(2.0, gt=0, le=30, description="Deadline of one upstream call, retries included")
    upstream_connect_timeout_s: float = Field(0.5, gt=0, le=10)
    database_url: str = Field("postgresql://postgres@127.0.0.1:5433/tripsage", description="Trips live here")
    database_statement_cache_size: int | None = Field(
        None, description="0 behind a transaction-mode pooler (Supabase port 6543)"
    )
    brief_section_timeout_s: float = Field(1.5, gt=0, le=10, description="Budget of each section of a trip brief")
    rate_limit_search: str = Field("30/minute", description="Per user: searches, directions, distance matrices, briefs")
    rate_limit_read: str = Field("600/minute", description="Per user: other GETs")
    rate_limit_write: str = Field("120/minute", description="Per user: POST, PATCH, DELETE")
    rate_limit_anonymous: str = Field("60/minute", description="Per client IP: requests without a valid token")
