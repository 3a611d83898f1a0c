"""The mem0 engine: mem0's `Memory` on its pgvector store, an OpenAI-compatible embedder and an optional LLM.

What we change in mem0, and why:
- telemetry and notices are off (`prepare_mem0_environment`, before mem0 is imported): no PostHog, no GitHub fetch;
- its SQLite change history is replaced by `_NoHistory`: a per-pod file is lost on restart, unshared between replicas,
  unwritable on a read-only root filesystem, and it would keep erased text (GDPR) — our audit trail is the table;
- the OpenAI clients are rebuilt with our timeouts and no retries of their own (the SDK default is 600 s and two
  retries): the shared provider layer retries, honouring Retry-After, and counts failures for the circuit; and
  with explicit base URLs so no environment variable (OPENAI_BASE_URL, OPENROUTER_API_KEY) can redirect traffic;
- its INFO logs, which carry memory text, are silenced (WARNING and above only);
- mem0 is imported without qdrant_client (`_without_qdrant_client`): mem0 builds a default, Qdrant-backed config as a
  default argument at import time, which imports qdrant_client — 50 MiB resident and a second of start-up for a
  client a pgvector deployment never uses (docs/benchmarks.md, footprint);
- the pgvector store gets our psycopg pool: bounded, with connect/statement timeouts, and HNSW iterative scans so a
  per-user filter still fills `limit` results.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator

from tripsage_memory.config import MemorySettings, prepare_mem0_environment

prepare_mem0_environment()


@contextlib.contextmanager
def _without_qdrant_client() -> Iterator[None]:
    """Import mem0 with a placeholder qdrant_client; afterwards a real `import qdrant_client` works as ever."""
    if "qdrant_client" in sys.modules:
        yield
        return
    placeholder = types.ModuleType("qdrant_client")
    # Only mem0's QdrantConfig class body touches it (as a type annotation), never with the pgvector store we use.
    placeholder.QdrantClient = type("QdrantClient", (), {})  # type: ignore[attr-defined]
    sys.modules["qdrant_client"] = placeholder
    try:
        yield
    finally:
        del sys.modules["qdrant_client"]


with _without_qdrant_client():
    from mem0 import Memory
    from mem0.configs.base import MemoryConfig

import logging  # noqa: E402
from collections.abc import Mapping, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import openai  # noqa: E402
import psycopg  # noqa: E402
import psycopg_pool  # noqa: E402
import structlog  # noqa: E402
from mem0.exceptions import LLMError  # noqa: E402

from tripsage_db.errors import DatabaseUnavailable  # noqa: E402
from tripsage_http.resilience import retry_after_s  # noqa: E402
from tripsage_memory.providers.base import (  # noqa: E402
    EngineRateLimited,
    EngineRecord,
    EngineRejected,
    EngineUnavailable,
)

log = structlog.get_logger(__name__)
# mem0 logs memory text at INFO ("Updating memory with data=..."): personal data in logs would outlive an erasure.
logging.getLogger("mem0").setLevel(logging.WARNING)

_PROBE_TEXT = "dimension probe"
_UNUSED_KEY = "unused-no-llm-configured"


class _NoHistory:
    """Stands in for mem0's SQLiteManager: change history is disabled on purpose (see the module docstring)."""

    def add_history(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def batch_add_history(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def get_history(self, *_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
        return []

    def save_messages(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def get_last_messages(self, *_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
        return []

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def _configure_session(settings: MemorySettings) -> Any:
    def configure(connection: psycopg.Connection[Any]) -> None:
        # Filtered HNSW scans stop at ef_search candidates unless iterative scans are on (pgvector >= 0.8).
        connection.execute(f"SET hnsw.ef_search = {int(settings.hnsw_ef_search)}")
        connection.execute("SET hnsw.iterative_scan = relaxed_order")
        connection.commit()

    return configure


def open_vector_pool(settings: MemorySettings) -> psycopg_pool.ConnectionPool:
    """mem0's psycopg pool, opened in the background so a database that is down does not block startup."""
    budget_ms = int(settings.request_budget_s * 1000)
    pool = psycopg_pool.ConnectionPool(
        conninfo=settings.database,
        min_size=1,
        max_size=settings.database_pool_size,
        open=False,
        timeout=1.0,  # under the gateway's 2 s deadline: Postgres down answers 503 here, not 504 there
        # Give up a failing connection attempt soon: its backoff (1, 2, 4… s) would otherwise hold the slot for
        # seconds after Postgres is back; the next request then starts a fresh attempt at once.
        reconnect_timeout=2.0,
        check=psycopg_pool.ConnectionPool.check_connection,
        configure=_configure_session(settings),
        kwargs={"connect_timeout": 3, "options": f"-c statement_timeout={budget_ms}"},
        name="memory-vectors",
    )
    pool.open(wait=False)
    return pool


def _openai_client(*, base_url: str | None, api_key: str, timeout_s: float) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=openai.Timeout(timeout_s, connect=min(2.0, timeout_s)),
        max_retries=0,  # the provider layer (tripsage_http.provider) retries
    )


def _mem0_config(settings: MemorySettings, pool: psycopg_pool.ConnectionPool) -> MemoryConfig:
    llm_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else _UNUSED_KEY
    return MemoryConfig(
        vector_store={
            "provider": "pgvector",
            "config": {
                "collection_name": settings.collection,
                "embedding_model_dims": settings.dims,
                "hnsw": True,
                "connection_pool": pool,
            },
        },
        embedder={
            "provider": "openai",
            "config": {
                "model": settings.embedder_model,
                "embedding_dims": settings.dims,
                "openai_base_url": settings.embedder_base_url,
                "api_key": settings.embedder_api_key.get_secret_value() if settings.embedder_api_key else None,
            },
        },
        llm={
            "provider": "openai",
            # Without an LLM nothing calls it (infer=False); its URL still points at our embedder, never elsewhere.
            "config": {
                "model": settings.llm_model or "none",
                "openai_base_url": settings.llm_base_url or settings.embedder_base_url,
                "api_key": llm_key,
            },
        },
    )


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Provider and database failures as our own exceptions, without their (possibly secret-bearing) text."""
    try:
        yield
    except openai.RateLimitError as exc:
        raise EngineRateLimited(type(exc).__name__, retry_after_s(exc.response.headers)) from exc
    except (openai.APIConnectionError, openai.InternalServerError) as exc:
        raise EngineUnavailable(type(exc).__name__) from exc
    except openai.APIStatusError as exc:
        log.error("provider_rejected_request", status=exc.status_code, error=type(exc).__name__)
        raise EngineRejected(f"{type(exc).__name__} {exc.status_code}") from exc
    except LLMError as exc:
        raise EngineUnavailable("LLMError") from exc
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        raise DatabaseUnavailable(reason=type(exc).__name__) from exc


class Mem0Engine:
    """`MemoryEngine` on mem0's synchronous `Memory`; every method blocks, so the service runs them in a pool."""

    def __init__(self, settings: MemorySettings, pool: psycopg_pool.ConnectionPool) -> None:
        self.llm_enabled = settings.llm_enabled
        self._pool = pool
        self._memory = Memory(_mem0_config(settings, pool))
        self._memory.db.close()
        self._memory.db = _NoHistory()
        api_key = settings.embedder_api_key.get_secret_value() if settings.embedder_api_key else ""
        self._embedder = _openai_client(
            base_url=settings.embedder_base_url, api_key=api_key, timeout_s=settings.embedder_timeout_s
        )
        self._memory.embedding_model.client = self._embedder
        self._memory.llm.client = _openai_client(
            base_url=settings.llm_base_url or settings.embedder_base_url,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else _UNUSED_KEY,
            timeout_s=settings.llm_timeout_s,
        )

    def add(
        self, *, user_id: str, role: str, content: str, metadata: Mapping[str, Any], infer: bool
    ) -> Sequence[EngineRecord]:
        with _translated_errors():
            result = self._memory.add(
                [{"role": role, "content": content}], user_id=user_id, metadata=dict(metadata), infer=infer
            )
        records: list[EngineRecord] = result.get("results", [])
        return records

    def add_conversation(
        self, *, user_id: str, messages: Sequence[Mapping[str, str]], metadata: Mapping[str, Any]
    ) -> Sequence[EngineRecord]:
        with _translated_errors():
            result = self._memory.add([dict(m) for m in messages], user_id=user_id, metadata=dict(metadata))
        records: list[EngineRecord] = result.get("results", [])
        return records

    def search(
        self, *, user_id: str, query: str, limit: int, filters: Mapping[str, str], min_score: float
    ) -> Sequence[EngineRecord]:
        with _translated_errors():
            result = self._memory.search(
                query, top_k=limit, filters={**filters, "user_id": user_id}, threshold=min_score
            )
        records: list[EngineRecord] = result.get("results", [])
        return records

    def get(self, memory_id: str) -> EngineRecord | None:
        with _translated_errors():
            record: EngineRecord | None = self._memory.get(memory_id)
        return record

    def update(self, memory_id: str, *, text: str | None, metadata: Mapping[str, Any] | None) -> None:
        with _translated_errors():
            self._memory.update(memory_id, text=text, metadata=dict(metadata) if metadata is not None else None)

    def delete(self, memory_id: str) -> None:
        with _translated_errors():
            self._memory.delete(memory_id)

    def embedding_dims(self) -> int:
        with _translated_errors():
            return len(self._memory.embedding_model.embed(_PROBE_TEXT, "search"))

    def ping_embedder(self) -> None:
        with _translated_errors():
            self._embedder.with_options(timeout=1.0, max_retries=0).models.list()

    def close(self) -> None:
        self._pool.close(timeout=5.0)
