"""Public value types: TTL classes, result states and the result wrapper."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class TTLClass(enum.IntEnum):
    """How long a value stays fresh, by content class (seconds)."""

    REALTIME = 60
    SEARCH = 300
    REFERENCE = 86_400


class CacheState(enum.StrEnum):
    """Where a value came from: the cache (hit), upstream (miss) or an old copy (stale)."""

    HIT = "hit"
    MISS = "miss"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class CacheResult(Generic[T]):
    """A value plus how it was obtained and how old it is."""

    value: T
    state: CacheState
    age_s: float = 0.0


def ttl_seconds(ttl: TTLClass | int) -> int:
    """Fresh lifetime in whole seconds; rejects non-positive values."""
    seconds = int(ttl)
    if seconds <= 0:
        raise ValueError(f"ttl must be a positive number of seconds, got {seconds}")
    return seconds
