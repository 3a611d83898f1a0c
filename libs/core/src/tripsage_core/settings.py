"""Service settings: one env prefix per service, fail fast on missing or placeholder secrets outside development."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "staging", "production"]
# What the fault switch answers with (tripsage_core.fault): 500 a bug's answer, 503 a sick instance's.
FaultStatus = Literal[500, 503]

# A well-known key so `make run` needs no configuration; it is refused anywhere but development and test.
DEVELOPMENT_JWT_SECRET = "tripsage-development-jwt-secret-not-for-production"  # noqa: S105

_PLACEHOLDER_MARKERS = ("changeme", "change-me", "placeholder", "your-", "example", "not-for-production", "xxx")


def is_placeholder(value: str) -> bool:
    """True for empty values and the kind of filler left in copied config files."""
    lowered = value.strip().lower()
    return (
        not lowered
        or lowered in {"secret", "password", "dev", "test"}
        or any(marker in lowered for marker in _PLACEHOLDER_MARKERS)
    )


class ConfigurationError(RuntimeError):
    """Raised at startup when the configuration cannot be run safely."""


class ServiceSettings(BaseSettings):
    """Settings every service shares; subclasses set `env_prefix` (e.g. `TIME_`) and add their own fields."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_nested_delimiter="__")

    environment: Environment = "development"
    version: str = "0.1.0"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    keep_alive_s: int = Field(5, ge=1, le=300, description="Idle keep-alive; above the mesh's idle timeout")
    graceful_timeout_s: int = Field(20, ge=1, le=300, description="Drain time after SIGTERM before exit")
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Peers whose X-Forwarded-For is believed (comma-separated); behind Istio, its sidecar's 127.0.0.6",
    )
    drain_delay_s: float = Field(
        1.0, ge=0, le=60, description="After SIGTERM, keep accepting (with /ready 503) this long before closing"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies are refused with 413")
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed to call this API")
    inject_faults: bool = Field(
        False, description="Fail API requests, probes excepted (rollout and mesh drills: tripsage_core.fault)"
    )
    # An environment variable is a string, and a Literal of ints takes no "503": read it as a number first.
    inject_fault_status: Annotated[FaultStatus, BeforeValidator(int)] = Field(
        500, description="The status of an injected fault"
    )
    inject_fault_every: int = Field(1, ge=1, description="Fault every Nth API request (1: all); the others are served")
    inject_delay_s: float = Field(
        0.0, ge=0, le=120, description="With the fault switch on, hold each API request this long first"
    )

    jwt_secret: SecretStr | None = None
    jwt_jwks_url: str | None = None
    jwt_audience: str = "authenticated"
    jwt_issuer: str | None = None

    redis_url: str | None = None
    cache_stale_multiplier: int = Field(24, ge=1, le=1000)
    # Short in production: a slow Redis must cost a request almost nothing. Tests of a service's caching raise it, so
    # that a busy machine's slow event loop cannot close the gate and turn an expected hit into a miss.
    cache_op_timeout_s: float = Field(0.05, gt=0, le=5, description="Longest one Redis operation may take")

    otlp_endpoint: str | None = None
    dogstatsd_host: str | None = None
    dogstatsd_port: int = 8125
    trace_sample_ratio: float = Field(1.0, ge=0.0, le=1.0)

    @property
    def is_development(self) -> bool:
        return self.environment in ("development", "test")

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets `field`: what a refusal to start should name."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Self:
        if self.jwt_secret is None and self.jwt_jwks_url is None:
            if not self.is_development:
                raise ConfigurationError(
                    f"{self.env_name('jwt_secret')} or {self.env_name('jwt_jwks_url')} is required outside development"
                )
            object.__setattr__(self, "jwt_secret", SecretStr(DEVELOPMENT_JWT_SECRET))
        if not self.is_development:
            for name, value in self.secret_values().items():
                if is_placeholder(value):
                    raise ConfigurationError(f"{self.env_name(name)} holds a placeholder value; set a real secret")
        return self

    def secret_values(self) -> dict[str, str]:
        """Every configured secret by field name, for the placeholder check and log redaction."""
        return {
            name: value.get_secret_value()
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr)
        }
