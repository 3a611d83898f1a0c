"""Public request and response models of the memory service."""

from __future__ import annotations

import uuid
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tripsage_core.text import StoredText

Category = Literal["preference", "constraint", "fact", "trip", "other"]
MAX_TEXT = 4000


class MemoryMetadata(BaseModel):
    """What a memory is about; identity (the user) always comes from the token, never from here."""

    model_config = ConfigDict(extra="forbid")

    trip_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    category: Category | None = Field(None, examples=["preference"])


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"] = "user"
    content: StoredText = Field(min_length=1, max_length=MAX_TEXT)


class MemoryCreate(BaseModel):
    """Either one `text` or a conversation in `messages` (each message becomes a memory unless an LLM is set)."""

    model_config = ConfigDict(extra="forbid")

    text: StoredText | None = Field(None, min_length=1, max_length=MAX_TEXT, examples=["I prefer aisle seats."])
    messages: list[Message] | None = Field(None, min_length=1, max_length=20)
    metadata: MemoryMetadata = Field(default_factory=MemoryMetadata)

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Self:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' or 'messages'")
        return self

    def as_messages(self) -> list[Message]:
        return self.messages if self.messages is not None else [Message(content=self.text or "")]


class MemoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: StoredText | None = Field(None, min_length=1, max_length=MAX_TEXT)
    metadata: MemoryMetadata | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.text is None and self.metadata is None:
            raise ValueError("give 'text', 'metadata' or both")
        return self


class MemoryPublic(BaseModel):
    id: uuid.UUID
    memory: str = Field(description="The remembered text")
    metadata: MemoryMetadata
    role: str | None = Field(None, description="Who said it, when it came from a conversation")
    created_at: str | None
    updated_at: str | None


class MemoryHit(MemoryPublic):
    score: float = Field(description="Relevance in [0, 1]; results come best first")


class AddedMemory(MemoryPublic):
    event: Literal["ADD", "UPDATE", "DELETE", "NONE"] = "ADD"


class AddResult(BaseModel):
    results: list[AddedMemory]


class SearchResults(BaseModel):
    query: str
    results: list[MemoryHit]


class MemoryPage(BaseModel):
    items: list[MemoryPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class Erasure(BaseModel):
    deleted: int = Field(description="Memories erased")
