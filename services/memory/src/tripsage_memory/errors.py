"""Memory-domain errors; each renders as a problem+json with a stable type."""

from __future__ import annotations

from tripsage_core.errors import FieldProblem, NotFound, ServiceUnavailable, ValidationFailed
from tripsage_core.settings import ConfigurationError


class MemoryNotFound(NotFound):
    """No memory with this id belongs to the caller (someone else's memory is indistinguishable from none)."""

    code = "memory-not-found"
    default_detail = "No memory with this id."


class CollectionNotReady(ServiceUnavailable):
    """The memories table is missing or not yet bound to the embedding dimension."""

    code = "memory-store-not-ready"

    def __init__(self, reason: str) -> None:
        super().__init__("The memory store is not ready.", headers={"Retry-After": "5"})
        # For logs and /ready, not for API callers.
        self.reason = reason


class InvalidCursor(ValidationFailed):
    code = "invalid-cursor"
    default_detail = "Invalid value for 'cursor': use the next_cursor of a previous page."
    default_errors = (FieldProblem(field="cursor", location="query", message="not a cursor this service issued"),)


class DimensionMismatch(ConfigurationError):
    """The embedder's vectors do not fit the pgvector column; raised at startup, never at the first insert."""

    _ADVICE = (
        " Set MEMORY_EMBEDDING_DIMS and MEMORY_EMBEDDER_MODEL to what the table was built for, or re-embed into a new"
        " table (MEMORY_COLLECTION): vectors of different models never mix."
    )

    @classmethod
    def of_table(cls, *, table: str, column_dims: int, configured_dims: int) -> DimensionMismatch:
        return cls(
            f"Embedding dimension mismatch: table '{table}'.vector has {column_dims} dimensions but "
            f"MEMORY_EMBEDDING_DIMS is {configured_dims}." + cls._ADVICE
        )

    @classmethod
    def of_embedder(cls, *, model: str, actual_dims: int, configured_dims: int) -> DimensionMismatch:
        return cls(
            f"Embedding dimension mismatch: MEMORY_EMBEDDING_DIMS is {configured_dims} but the embedder "
            f"(model '{model}') returns {actual_dims}-dimension vectors." + cls._ADVICE
        )
