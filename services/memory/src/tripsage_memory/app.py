"""The memory service's app: its state is the mem0 engine, our table access and the bounded pool they run in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
from fastapi import FastAPI

from tripsage_core.app import ReadinessCheck, ServiceSpec, create_service_app
from tripsage_core.blocking import BlockingPool
from tripsage_core.settings import ConfigurationError
from tripsage_db.errors import UNREACHABLE, DatabaseUnavailable
from tripsage_db.pool import LazyPool, open_pool_lazily
from tripsage_http import CallPolicy, ProviderCaller
from tripsage_memory.api import router
from tripsage_memory.config import MemorySettings
from tripsage_memory.errors import CollectionNotReady, DimensionMismatch
from tripsage_memory.providers.base import EngineRejected, EngineUnavailable, MemoryEngine, classify
from tripsage_memory.providers.mem0 import Mem0Engine, open_vector_pool
from tripsage_memory.service import MemoryService
from tripsage_memory.store import MemoryTable

log = structlog.get_logger(__name__)
_PROBE_BUDGET_S = 1.0
_TABLE_NOT_READY: tuple[type[Exception], ...] = (CollectionNotReady, DatabaseUnavailable, *UNREACHABLE)


@dataclass(slots=True)
class MemoryState:
    memories: MemoryService
    database: LazyPool
    settings: MemorySettings
    # Whether the embedder's vector length was compared with MEMORY_EMBEDDING_DIMS (it may be down at startup).
    embedder_dims_verified: bool


async def _check_dimensions(settings: MemorySettings, engine: MemoryEngine, table: MemoryTable) -> bool:
    """Refuse to start when the embedder or the table disagree with MEMORY_EMBEDDING_DIMS; tolerate outages.

    True when the embedder's dimension was compared, False when it could not be reached.
    """
    compared = False
    try:
        actual = await asyncio.wait_for(asyncio.to_thread(engine.embedding_dims), settings.embedder_timeout_s + 1)
    except EngineRejected as exc:
        raise ConfigurationError(
            f"The embedder at {settings.embedder_base_url} rejected a {settings.dims}-dimension embedding of model "
            f"'{settings.embedder_model}' ({exc}); check MEMORY_EMBEDDER_MODEL, MEMORY_EMBEDDING_DIMS and the key."
        ) from None
    except (EngineUnavailable, TimeoutError) as exc:
        log.warning("embedder_unreachable_at_startup", error=str(exc) or type(exc).__name__)
    else:
        _compare(settings, actual)
        compared = True
    try:
        await table.bind()
    except _TABLE_NOT_READY as exc:
        # The dev stack migrates while services start; readiness binds the table once it exists.
        log.warning("memory_table_not_ready_at_startup", reason=getattr(exc, "reason", type(exc).__name__))
    return compared


def _compare(settings: MemorySettings, actual: int) -> None:
    if actual != settings.dims:
        raise DimensionMismatch.of_embedder(
            model=str(settings.embedder_model), actual_dims=actual, configured_dims=settings.dims
        )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[MemoryState]:
    settings: MemorySettings = app.state.settings
    database = await open_pool_lazily(settings.database, max_size=settings.database_pool_size, connect_timeout=1.0)
    vector_pool = open_vector_pool(settings)
    threads = BlockingPool("mem0", max_workers=settings.engine_threads, max_queued=settings.engine_threads * 16)
    try:
        engine = await asyncio.to_thread(Mem0Engine, settings, vector_pool)
        table = MemoryTable(database, settings.collection, settings.dims)
        verified = await _check_dimensions(settings, engine, table)
        embedder = ProviderCaller(
            "embedder",
            provider="the embedding provider",
            classify=classify,
            # Two attempts, as the OpenAI client's own single retry gave before this layer took it over. An
            # embedding that fails has stored nothing, so a retry cannot duplicate a memory; an attempt that
            # times out has used the whole budget and is never retried.
            policy=CallPolicy(
                budget_s=settings.request_budget_s,
                attempts=2,
                breaker_threshold=settings.breaker_threshold,
                breaker_reset_s=settings.breaker_reset_s,
            ),
            pool=threads,
        )
        service = MemoryService(
            engine=engine,
            table=table,
            threads=threads,
            embedder=embedder,
            budget_s=settings.request_budget_s,
            min_score=settings.search_min_score,
        )
        yield MemoryState(memories=service, database=database, settings=settings, embedder_dims_verified=verified)
    finally:
        threads.shutdown()
        await asyncio.to_thread(vector_pool.close, 5.0)
        await database.close()


async def _embedder_answers(state: MemoryState) -> None:
    memories = state.memories
    if not state.embedder_dims_verified:
        # Unreachable at startup: compare now, so a wrong dimension keeps the pod out of rotation, loudly.
        actual = await memories.threads.run(_PROBE_BUDGET_S, memories.engine.embedding_dims)
        try:
            _compare(state.settings, actual)
        except DimensionMismatch as exc:
            log.error("embedding_dimension_mismatch", error=str(exc))
            raise
        state.embedder_dims_verified = True
    await memories.threads.run(_PROBE_BUDGET_S, memories.engine.ping_embedder)


async def _table_bound(table: MemoryTable) -> Mapping[str, Any]:
    await table.bind()
    return {"table": table.name, "dims": table.dims}


def _readiness(state: MemoryState) -> Mapping[str, ReadinessCheck]:
    return {
        "database": ReadinessCheck(partial(state.database.check, within=_PROBE_BUDGET_S)),
        "memory_table": ReadinessCheck(partial(_table_bound, state.memories.table)),
        "embedder": ReadinessCheck(partial(_embedder_answers, state)),
    }


SPEC = ServiceSpec(name="memory", routers=[router], lifespan=_lifespan, readiness=_readiness)


def create_app(settings: MemorySettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or MemorySettings())
