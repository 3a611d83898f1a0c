"""Faults on demand: a registry of armed faults, and request counters."""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Provider(StrEnum):
    """Providers the sandbox imitates."""

    AMADEUS = "amadeus"
    GOOGLE = "google"
    GOOGLE_ROUTES = "google_routes"
    GOOGLE_PLACES = "google_places"
    OWM = "owm"
    EMBEDDINGS = "embeddings"
    DUFFEL = "duffel"


class FaultKind(StrEnum):
    """What an armed fault does to a matching request."""

    RATE_LIMIT = "rate_limit"
    ERROR_500 = "error_500"
    ERROR_503 = "error_503"
    SLOW = "slow"
    MALFORMED = "malformed"
    DROP = "drop"


@dataclass(slots=True)
class Fault:
    """One armed fault; it disarms when its count or its duration runs out."""

    id: str
    provider: Provider
    kind: FaultKind
    endpoint: str | None = None
    remaining: int | None = None
    expires_at: float | None = None
    delay_s: float = 1.0
    retry_after_s: int = 1
    triggered: int = 0
    created_at: float = field(default_factory=time.monotonic)

    def matches(self, provider: Provider, endpoint: str, path: str) -> bool:
        """True when this fault targets the request's provider and endpoint (name or path prefix)."""
        if provider is not self.provider:
            return False
        if self.endpoint is None:
            return True
        if self.endpoint.startswith("/"):
            return path.startswith(self.endpoint)
        return self.endpoint == endpoint

    def expired(self, now: float) -> bool:
        """True once the count is used up or the duration has passed."""
        if self.remaining is not None and self.remaining <= 0:
            return True
        return self.expires_at is not None and now >= self.expires_at

    def describe(self) -> dict[str, Any]:
        """JSON view for the control API."""
        now = time.monotonic()
        return {
            "id": self.id,
            "provider": self.provider.value,
            "kind": self.kind.value,
            "endpoint": self.endpoint,
            "remaining": self.remaining,
            "expires_in_s": None if self.expires_at is None else round(max(0.0, self.expires_at - now), 3),
            "delay_s": self.delay_s,
            "retry_after_s": self.retry_after_s,
            "triggered": self.triggered,
        }


class FaultRegistry:
    """Armed faults, consulted on every provider request (single event loop, so no lock is needed)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def arm(
        self,
        provider: Provider,
        kind: FaultKind,
        endpoint: str | None = None,
        count: int | None = None,
        duration_s: float | None = None,
        delay_s: float = 1.0,
        retry_after_s: int = 1,
    ) -> Fault:
        """Add a fault; with neither count nor duration it lasts until removed."""
        fault = Fault(
            id=f"flt_{next(self._ids)}",
            provider=provider,
            kind=kind,
            endpoint=endpoint or None,
            remaining=count,
            expires_at=None if duration_s is None else time.monotonic() + duration_s,
            delay_s=delay_s,
            retry_after_s=retry_after_s,
        )
        self._faults.append(fault)
        return fault

    def take(self, provider: Provider, endpoint: str, path: str) -> Fault | None:
        """Return the oldest fault matching the request and use up one of its count."""
        if not self._faults:
            return None
        now = time.monotonic()
        self._faults = [f for f in self._faults if not f.expired(now)]
        for fault in self._faults:
            if fault.matches(provider, endpoint, path):
                fault.triggered += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def active(self) -> list[Fault]:
        """Faults still armed."""
        now = time.monotonic()
        self._faults = [f for f in self._faults if not f.expired(now)]
        return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        """Disarm one fault; False if no such fault is armed."""
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) != before

    def clear(self) -> int:
        """Disarm every fault and return how many there were."""
        count = len(self._faults)
        self._faults = []
        return count


_ARRIVALS_KEPT = 20


class RequestStats:
    """Calls per provider and endpoint, so tests can assert how many upstream calls a service made."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        # When the latest calls arrived, so a test can measure a client's wait between attempts on our clock.
        self._arrivals: dict[tuple[str, str], deque[float]] = defaultdict(lambda: deque(maxlen=_ARRIVALS_KEPT))

    def record(self, provider: Provider, endpoint: str) -> None:
        """Count one provider call and note when it arrived."""
        self._counts[(provider.value, endpoint)] += 1
        self._arrivals[(provider.value, endpoint)].append(time.monotonic())

    def snapshot(self) -> dict[str, Any]:
        """Totals per provider with a per-endpoint breakdown."""
        providers: dict[str, dict[str, Any]] = {p.value: {"total": 0, "endpoints": {}} for p in Provider}
        for (provider, endpoint), count in sorted(self._counts.items()):
            providers[provider]["total"] += count
            providers[provider]["endpoints"][endpoint] = count
            providers[provider].setdefault("arrivals", {})[endpoint] = list(self._arrivals[(provider, endpoint)])
        return {"total": sum(self._counts.values()), "providers": providers}

    def reset(self) -> None:
        """Forget all counts."""
        self._counts.clear()
        self._arrivals.clear()
