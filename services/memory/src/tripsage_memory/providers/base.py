"""The interface a memory engine implements; synchronous, called through a bounded pool by the service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tripsage_http import Failure, FailureKind

# A memory as the engine returns it: id, memory (text), created_at, updated_at, role, metadata, score (search).
EngineRecord = Mapping[str, Any]


class EngineUnavailable(Exception):
    """The embedder or LLM behind the engine failed (down, timed out, 5xx, rate limited)."""


class EngineRateLimited(EngineUnavailable):
    """The provider answered 429; `retry_after_s` is its Retry-After, when it sent one."""

    def __init__(self, detail: str, retry_after_s: float | None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class EngineRejected(EngineUnavailable):
    """The provider refused the request itself (4xx other than 429): a configuration problem, not an outage."""


def classify(exc: BaseException) -> Failure | None:
    """Engine failures for the shared provider layer; database errors are not the provider's and pass through."""
    if isinstance(exc, EngineRateLimited):
        return Failure(FailureKind.RATE_LIMITED, str(exc), 429, exc.retry_after_s)
    if isinstance(exc, EngineRejected):
        return Failure(FailureKind.MISCONFIGURED, str(exc))
    if isinstance(exc, EngineUnavailable):
        return Failure(FailureKind.UNAVAILABLE, str(exc) or "the embedding provider failed")
    return None


class MemoryEngine(Protocol):
    llm_enabled: bool

    def add(
        self, *, user_id: str, role: str, content: str, metadata: Mapping[str, Any], infer: bool
    ) -> Sequence[EngineRecord]:
        """Store one message for `user_id`; with `infer`, let the LLM extract and merge facts."""
        ...

    def add_conversation(
        self, *, user_id: str, messages: Sequence[Mapping[str, str]], metadata: Mapping[str, Any]
    ) -> Sequence[EngineRecord]:
        """Let the LLM extract facts from a whole conversation (only when an LLM is configured)."""
        ...

    def search(
        self, *, user_id: str, query: str, limit: int, filters: Mapping[str, str], min_score: float
    ) -> Sequence[EngineRecord]:
        """Memories of `user_id` nearest in meaning to `query`, best first."""
        ...

    def get(self, memory_id: str) -> EngineRecord | None:
        """One memory by id, whoever owns it (the service checks ownership)."""
        ...

    def update(self, memory_id: str, *, text: str | None, metadata: Mapping[str, Any] | None) -> None:
        """Change text (re-embedded) and/or metadata."""
        ...

    def delete(self, memory_id: str) -> None:
        """Delete one memory."""
        ...

    def embedding_dims(self) -> int:
        """Embed a probe text and return the vector's length (one provider call)."""
        ...

    def ping_embedder(self) -> None:
        """Raise EngineUnavailable unless the embedder answers (a cheap call)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
