"""Memory routes: the user is always the token's `sub`; no route takes a user id from the caller."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from tripsage_core.app import state_part
from tripsage_core.auth import CurrentUser
from tripsage_core.errors import ValidationFailed
from tripsage_memory.schemas import (
    AddResult,
    Category,
    Erasure,
    MemoryCreate,
    MemoryPage,
    MemoryPublic,
    MemoryUpdate,
    SearchResults,
)
from tripsage_memory.service import MemoryService

Memories = Annotated[MemoryService, Depends(state_part("memories"))]
MemoryId = Annotated[uuid.UUID, Path(description="A memory id, as returned when it was added")]
CategoryFilter = Annotated[Category | None, Query(description="Only memories of this category")]
TripFilter = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]

router = APIRouter(prefix="/v1/memories", tags=["memories"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No memory with this id belongs to the caller"}}
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The embedder or the database is unavailable; nothing was stored"}
}


@router.post("", status_code=201, summary="Remember a text or a conversation", responses=_UNAVAILABLE)
async def add_memory(body: MemoryCreate, memories: Memories, user: CurrentUser) -> AddResult:
    return await memories.add(user.user_id, body)


@router.get("/search", summary="The caller's memories nearest in meaning to `q`, best first", responses=_UNAVAILABLE)
async def search_memories(
    q: Annotated[str, Query(min_length=1, max_length=1000, examples=["What can I eat on this trip?"])],
    memories: Memories,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    category: CategoryFilter = None,
    trip_id: TripFilter = None,
) -> SearchResults:
    if not q.strip():
        # mem0 refuses a blank query with a bare ValueError, which would surface as a 500.
        raise ValidationFailed.for_field("q", "must contain a non-space character", location="query")
    return await memories.search(user.user_id, query=q, limit=limit, category=category, trip_id=trip_id)


@router.get("", summary="The caller's memories, newest first, a page at a time")
async def list_memories(
    memories: Memories,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    category: CategoryFilter = None,
    trip_id: TripFilter = None,
) -> MemoryPage:
    return await memories.page(user.user_id, limit=limit, cursor=cursor, category=category, trip_id=trip_id)


@router.delete("", summary="Erase everything remembered about the caller (GDPR right to erasure)")
async def erase_memories(memories: Memories, user: CurrentUser) -> Erasure:
    return await memories.erase(user.user_id)


@router.get("/{memory_id}", summary="One of the caller's memories", responses=_NOT_FOUND)
async def get_memory(memory_id: MemoryId, memories: Memories, user: CurrentUser) -> MemoryPublic:
    return await memories.get(user.user_id, memory_id)


@router.patch("/{memory_id}", summary="Change a memory's text or metadata", responses=_NOT_FOUND | _UNAVAILABLE)
async def update_memory(memory_id: MemoryId, body: MemoryUpdate, memories: Memories, user: CurrentUser) -> MemoryPublic:
    return await memories.update(user.user_id, memory_id, body)


@router.delete("/{memory_id}", status_code=204, summary="Forget one memory", responses=_NOT_FOUND)
async def delete_memory(memory_id: MemoryId, memories: Memories, user: CurrentUser) -> Response:
    await memories.delete(user.user_id, memory_id)
    return Response(status_code=204)
