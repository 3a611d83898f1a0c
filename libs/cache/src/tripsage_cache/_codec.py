"""Stored envelope: the value plus when it was fetched and how long it stays fresh."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded cache entry."""

    value: Any
    fetched_at: float
    fresh_s: float

    def age_s(self, now: float | None = None) -> float:
        """Seconds since the value was fetched (never negative, despite clock skew between writers)."""
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    def is_fresh(self, now: float | None = None) -> bool:
        """True while the value is within its fresh TTL."""
        return self.age_s(now) < self.fresh_s


def encode(value: Any, fresh_s: float, fetched_at: float | None = None) -> bytes:
    """Serialise a JSON-compatible value; raises TypeError for anything orjson can't encode."""
    try:
        return orjson.dumps({"t": time.time() if fetched_at is None else fetched_at, "f": fresh_s, "v": value})
    except orjson.JSONEncodeError as exc:
        raise TypeError(
            f"cache values must be JSON-compatible (pass pydantic models as model_dump(mode='json')): {exc}"
        ) from exc


def decode(payload: bytes) -> Envelope:
    """Parse a stored entry; raises ValueError if it isn't one of ours."""
    data = orjson.loads(payload)
    if not isinstance(data, dict) or not {"t", "f", "v"} <= data.keys():
        raise ValueError("not a tripsage cache envelope")
    return Envelope(value=data["v"], fetched_at=float(data["t"]), fresh_s=float(data["f"]))
