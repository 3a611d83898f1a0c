"""The memory domain: every operation is scoped to the caller; the engine and the table never see a foreign id."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from tripsage_core.blocking import BlockingPool
from tripsage_core.errors import ProviderUnavailable
from tripsage_db.errors import unavailable_when_unreachable
from tripsage_http import ProviderCaller
from tripsage_memory.errors import MemoryNotFound
from tripsage_memory.providers.base import EngineRecord, EngineUnavailable, MemoryEngine
from tripsage_memory.schemas import (
    AddedMemory,
    AddResult,
    Erasure,
    MemoryCreate,
    MemoryHit,
    MemoryMetadata,
    MemoryPage,
    MemoryPublic,
    MemoryUpdate,
    SearchResults,
)
from tripsage_memory.store import MemoryTable, StoredMemory

log = structlog.get_logger(__name__)
T = TypeVar("T")


def _metadata(source: Mapping[str, Any] | None) -> MemoryMetadata:
    source = source or {}
    return MemoryMetadata(trip_id=source.get("trip_id"), category=source.get("category"))


def _public(record: EngineRecord) -> MemoryPublic:
    return MemoryPublic(
        id=uuid.UUID(str(record["id"])),
        memory=str(record.get("memory", "")),
        metadata=_metadata(record.get("metadata")),
        role=record.get("role"),
        created_at=record.get("created_at"),
        updated_at=record.get("updated_at"),
    )


def _from_row(row: StoredMemory) -> MemoryPublic:
    payload = row.payload
    return MemoryPublic(
        id=row.id,
        memory=str(payload.get("data", "")),
        metadata=_metadata(payload),
        role=payload.get("role"),
        created_at=payload.get("created_at"),
        updated_at=payload.get("updated_at"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryService:
    """Every operation is scoped to one caller; the parts are public so that readiness probes use the very same ones."""

    engine: MemoryEngine
    table: MemoryTable
    threads: BlockingPool
    embedder: ProviderCaller
    budget_s: float
    min_score: float

    async def add(self, user_id: str, body: MemoryCreate) -> AddResult:
        await self._ready()
        metadata = body.metadata.model_dump(exclude_none=True)
        messages = body.as_messages()
        if self.engine.llm_enabled:
            records = await self._provider_call(
                self.engine.add_conversation,
                user_id=user_id,
                messages=[m.model_dump() for m in messages],
                metadata=metadata,
            )
            events = {str(r["id"]): r.get("event", "ADD") for r in records}
        else:
            events = await self._add_verbatim(
                user_id, messages=[(m.role, m.content) for m in messages], metadata=metadata
            )
        results = []
        for memory_id, event in events.items():
            record = await self._engine_call(self.engine.get, memory_id)
            if record is not None:
                results.append(AddedMemory(**_public(record).model_dump(), event=event))
        return AddResult(results=results)

    async def _add_verbatim(
        self, user_id: str, *, messages: Sequence[tuple[str, str]], metadata: Mapping[str, Any]
    ) -> dict[str, str]:
        """Store each message as given; if any fails, remove the ones already stored (all or nothing)."""
        stored: list[str] = []
        try:
            for role, content in messages:
                records = await self._provider_call(
                    self.engine.add, user_id=user_id, role=role, content=content, metadata=metadata, infer=False
                )
                stored.extend(str(r["id"]) for r in records)
        except BaseException:
            for memory_id in stored:
                try:
                    await self._engine_call(self.engine.delete, memory_id)
                except Exception as exc:  # the original failure is what the caller must see
                    log.error("memory_add_rollback_failed", memory_id=memory_id, error=type(exc).__name__)
            raise
        return dict.fromkeys(stored, "ADD")

    async def search(
        self, user_id: str, *, query: str, limit: int, category: str | None, trip_id: str | None
    ) -> SearchResults:
        await self._ready()
        filters = {k: v for k, v in (("category", category), ("trip_id", trip_id)) if v is not None}
        records = await self._provider_call(
            self.engine.search, user_id=user_id, query=query, limit=limit, filters=filters, min_score=self.min_score
        )
        hits = [
            MemoryHit(**_public(r).model_dump(), score=float(r.get("score") or 0.0))
            for r in records
            if r.get("user_id") == user_id  # the filter already scopes by user; this is belt and braces
        ]
        return SearchResults(query=query, results=hits)

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None, category: str | None, trip_id: str | None
    ) -> MemoryPage:
        async with unavailable_when_unreachable():
            rows, next_cursor = await self.table.page(
                user_id, limit=limit, cursor=cursor, category=category, trip_id=trip_id
            )
        return MemoryPage(items=[_from_row(r) for r in rows], next_cursor=next_cursor)

    async def get(self, user_id: str, memory_id: uuid.UUID) -> MemoryPublic:
        return _public(await self._owned(user_id, memory_id))

    async def update(self, user_id: str, memory_id: uuid.UUID, body: MemoryUpdate) -> MemoryPublic:
        await self._owned(user_id, memory_id)
        metadata = body.metadata.model_dump(exclude_unset=True) if body.metadata is not None else None
        # Through the breaker even for metadata only: mem0 re-embeds the text on every update.
        await self._provider_call(self.engine.update, str(memory_id), text=body.text, metadata=metadata)
        return _public(await self._owned(user_id, memory_id))

    async def delete(self, user_id: str, memory_id: uuid.UUID) -> None:
        await self._owned(user_id, memory_id)
        await self._engine_call(self.engine.delete, str(memory_id))

    async def erase(self, user_id: str) -> Erasure:
        async with unavailable_when_unreachable():
            deleted = await self.table.erase(user_id)
        log.info("memories_erased", deleted=deleted)
        return Erasure(deleted=deleted)

    async def _owned(self, user_id: str, memory_id: uuid.UUID) -> EngineRecord:
        await self._ready()
        record = await self._engine_call(self.engine.get, str(memory_id))
        if record is None or record.get("user_id") != user_id:
            raise MemoryNotFound()
        return record

    async def _ready(self) -> None:
        async with unavailable_when_unreachable():
            await self.table.bind()

    async def _engine_call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """A database-only engine call (no embedding), bounded and time-boxed."""
        try:
            return await self.threads.run(self.budget_s, fn, *args, **kwargs)
        except EngineUnavailable:
            raise ProviderUnavailable("The embedding provider is unavailable; nothing was stored.") from None

    async def _provider_call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """An engine call that embeds (or asks the LLM), through the shared provider layer and its circuit."""
        return await self.embedder.call_blocking(fn.__name__, functools.partial(fn, *args, **kwargs))
