"""In-process backend: a bounded LRU whose entries expire individually."""

from __future__ import annotations

from typing import Any, NamedTuple

from cachetools import TLRUCache


class _Entry(NamedTuple):
    payload: bytes
    keep_s: float


def _expires_at(_key: str, entry: _Entry, now: float) -> float:
    return now + entry.keep_s


class MemoryBackend:
    """Used when no Redis URL is configured; per process, so each replica has its own copy."""

    name = "memory"

    def __init__(self, max_entries: int) -> None:
        if max_entries <= 0:
            raise ValueError(f"max_local_entries must be positive, got {max_entries}")
        self._max_entries = max_entries
        self._entries: TLRUCache[str, _Entry] = TLRUCache(maxsize=max_entries, ttu=_expires_at)
        self.errors = 0

    async def get(self, key: str) -> bytes | None:
        """Stored payload, or None when absent or expired."""
        entry = self._entries.get(key)
        return None if entry is None else entry.payload

    async def rescue_get(self, key: str) -> bytes | None:
        """Process memory never faults: the rescue read is the plain read."""
        return await self.get(key)

    async def set(self, key: str, payload: bytes, keep_s: float) -> bool:
        """Store a payload for keep_s seconds, evicting the least recently used entry when full."""
        self._entries[key] = _Entry(payload, keep_s)
        return True

    async def delete(self, key: str) -> None:
        """Remove a key if present."""
        self._entries.pop(key, None)

    async def health(self) -> dict[str, Any]:
        """Always ok: the memory backend can't be down."""
        self._entries.expire()
        return {
            "backend": self.name,
            "status": "ok",
            "entries": len(self._entries),
            "max_entries": self._max_entries,
        }

    async def aclose(self) -> None:
        """Drop every entry."""
        self._entries.clear()
