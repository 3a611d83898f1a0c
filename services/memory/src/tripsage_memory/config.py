"""Memory service settings (env prefix `MEMORY_`), and the mem0 process environment.

mem0 reads `MEM0_TELEMETRY` and `MEM0_DIR` once, when it is first imported (its PostHog client and the directory it
writes are created at import time), so `prepare_mem0_environment()` must run before any `import mem0`:
`tripsage_memory.providers.mem0` calls it at the top of the module, ahead of its own mem0 imports.
"""

from __future__ import annotations

import os
import tempfile
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tripsage_core.settings import ConfigurationError, ServiceSettings, is_placeholder

SANDBOX_API_KEY = "sandbox-key-accepted-by-any-sandbox"  # the sandbox accepts any non-empty key
SANDBOX_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
SANDBOX_EMBEDDING_DIMS = 384
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
OPENAI_EMBEDDING_DIMS = 1536
OPENAI_BASE_URL = "https://api.openai.com/v1"


def prepare_mem0_environment() -> str:
    """Turn mem0's telemetry off for good and give it a writable private directory; returns that directory."""
    # Forced, not defaulted: the service may call nothing but its own embedder and LLM (no PostHog, no notices).
    os.environ["MEM0_TELEMETRY"] = "False"
    directory = os.environ.get("MEM0_DIR")
    if not directory:
        # A read-only root filesystem has no writable ~/.mem0; a private temp dir per process is enough because
        # nothing in it needs to outlive the process (history is disabled, see providers/mem0.py).
        directory = tempfile.mkdtemp(prefix="tripsage-mem0-")
        os.environ["MEM0_DIR"] = directory
    os.makedirs(directory, exist_ok=True)
    return directory


class MemorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEMORY_")

    port: int = 8006
    database_url: str | None = Field(None, description="postgresql://… of the shared database (pgvector)")
    provider_base_url: str | None = Field(None, description="The provider sandbox; its /v1 serves embeddings")

    embedder_base_url: str | None = Field(None, description="OpenAI-compatible base URL ending in /v1")
    embedder_api_key: SecretStr | None = None
    embedder_model: str | None = Field(None, description="Default: text-embedding-3-small (sandbox: MiniLM)")
    embedding_dims: int | None = Field(None, ge=1, le=16000, description="Must match the pgvector column")
    embedder_timeout_s: float = Field(5.0, gt=0, le=60)

    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL; unset = no fact extraction")
    llm_api_key: SecretStr | None = None
    llm_model: str | None = Field(None, description="Set to enable mem0's fact extraction (infer=True)")
    # Below request_budget_s: an attempt longer than the whole call's budget could only ever be cut off by it.
    llm_timeout_s: float = Field(12.0, gt=0, le=120)

    collection: str = Field("memories", pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="pgvector table")
    database_pool_size: int = Field(5, ge=1, le=50)
    engine_threads: int = Field(8, ge=1, le=64, description="Bound on concurrent mem0 calls (it is synchronous)")
    request_budget_s: float = Field(15.0, gt=0, le=120, description="Time budget of one mem0 call")
    search_min_score: float = Field(0.1, ge=0.0, le=1.0, description="Cosine similarity below which hits drop")
    hnsw_ef_search: int = Field(100, ge=10, le=1000)
    breaker_threshold: int = Field(5, ge=1, le=100)
    breaker_reset_s: float = Field(5.0, gt=0, le=300)

    @model_validator(mode="after")
    def _resolve_providers(self) -> Self:
        sandbox = self.is_development and self.provider_base_url is not None
        if self.embedder_base_url is None:
            base = f"{self.provider_base_url.rstrip('/')}/v1" if sandbox and self.provider_base_url else OPENAI_BASE_URL
            object.__setattr__(self, "embedder_base_url", base)
        if self.embedder_model is None:
            object.__setattr__(self, "embedder_model", SANDBOX_EMBEDDING_MODEL if sandbox else OPENAI_EMBEDDING_MODEL)
        if self.embedding_dims is None:
            dims = SANDBOX_EMBEDDING_DIMS if self.embedder_model == SANDBOX_EMBEDDING_MODEL else OPENAI_EMBEDDING_DIMS
            object.__setattr__(self, "embedding_dims", dims)
        if self.llm_model is not None and self.llm_base_url is None:
            object.__setattr__(self, "llm_base_url", OPENAI_BASE_URL)
        if not self.database_url:
            raise ConfigurationError("MEMORY_DATABASE_URL is required (postgresql://… with pgvector)")
        if self.is_development:
            if self.embedder_api_key is None and not sandbox:
                raise ConfigurationError("set MEMORY_EMBEDDER_API_KEY, or MEMORY_PROVIDER_BASE_URL for the sandbox")
            if self.embedder_api_key is None:
                object.__setattr__(self, "embedder_api_key", SecretStr(SANDBOX_API_KEY))
            if self.llm_model is not None and self.llm_api_key is None and sandbox:
                object.__setattr__(self, "llm_api_key", SecretStr(SANDBOX_API_KEY))
            return self
        self._require_outside_development()
        return self

    def _require_outside_development(self) -> None:
        if self.embedder_api_key is None or is_placeholder(self.embedder_api_key.get_secret_value()):
            raise ConfigurationError("MEMORY_EMBEDDER_API_KEY is missing or a placeholder; set the embedder's key")
        if self.llm_model is not None and (
            self.llm_api_key is None or is_placeholder(self.llm_api_key.get_secret_value())
        ):
            raise ConfigurationError("MEMORY_LLM_API_KEY is missing or a placeholder while MEMORY_LLM_MODEL is set")

    @property
    def llm_enabled(self) -> bool:
        return self.llm_model is not None

    @property
    def database(self) -> str:
        assert self.database_url is not None  # required by the validator
        return self.database_url

    @property
    def dims(self) -> int:
        assert self.embedding_dims is not None  # resolved by the validator
        return self.embedding_dims
