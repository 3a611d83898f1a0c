"""The faults, one per phase: how each is injected and removed, which requests prove recovery, and its goals."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tripsage_chaos.load import (
    AMADEUS_CACHED_KINDS,
    AMADEUS_FRESH_KINDS,
    DATABASE_KINDS,
    FLIGHTS_KINDS,
    Outcome,
)
from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import POSTGRES_PORT, REDIS_PORT, SANDBOX_PORT

# A dead service is refused at once; the gateway answers 503 well inside its 2 s default deadline.
ANSWER_BUDGET_S = 2.5
# Flights and stays spend at most FLIGHTS_/STAYS_PROVIDER_TIMEOUT_S (8 s) on the provider, retries included.
PROVIDER_BUDGET_S = 8.5
# Trips and memory fail at the pool's acquire/connect timeout (2-3 s) while Postgres is down.
DATABASE_FAIL_BUDGET_S = 3.5
POSTGRES_RECOVERY_GOAL_S = 5.0


@dataclass(frozen=True)
class Window:
    """What the fault window saw, split the way the goals are stated."""

    during: list[Outcome]
    recovery_s: float | None
    extra: dict[str, Any] = field(default_factory=dict)

    def failures(self, kinds: Iterable[str] | None = None, *, excluding: Iterable[str] = ()) -> list[Outcome]:
        chosen = set(kinds) if kinds is not None else None
        skipped = set(excluding)
        return [o for o in self.during if not o.ok and (chosen is None or o.kind in chosen) and o.kind not in skipped]

    def slowest(self, kinds: Iterable[str]) -> float:
        chosen = set(kinds)
        return max((o.elapsed_s for o in self.during if o.kind in chosen and not o.ok), default=0.0)


Goals = Callable[[Window], dict[str, bool]]


async def _ctl(stack: RunningStack, *args: str) -> str:
    return await asyncio.to_thread(stack.ctl, *args)


async def _port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=0.3)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def _restart_and_wait(stack: RunningStack, program: str, port: int, timeout_s: float = 60.0) -> float:
    """Start `program` again; the moment its port accepts connections is when the dependency is back."""
    starting = asyncio.create_task(_ctl(stack, "start", program))
    deadline = time.monotonic() + timeout_s
    back = time.monotonic()
    while time.monotonic() < deadline:
        if await _port_open(port):
            back = time.monotonic()
            break
        await asyncio.sleep(0.05)
    await starting
    return back


@dataclass(frozen=True)
class Fault:
    """One phase: `inject` starts the fault, `remove` ends it and returns the monotonic time the dependency is back."""

    name: str
    goal: str
    probe: tuple[str, ...]
    goals: Goals
    inject: Callable[[RunningStack], Any] | None = None
    remove: Callable[[RunningStack], Any] | None = None
    instant: bool = False  # the fault is a single event (a kill); recovery is timed from it, not from a removal


def _none_failed(window: Window) -> dict[str, bool]:
    return {"no_failed_requests": not window.failures()}


def _redis_goals(window: Window) -> dict[str, bool]:
    return {"no_failed_requests": not window.failures(), "cache_recovered": window.recovery_s is not None}


def _postgres_goals(window: Window) -> dict[str, bool]:
    database_failures = window.failures(DATABASE_KINDS)
    return {
        "others_unaffected": not window.failures(excluding=DATABASE_KINDS),
        "trips_memory_503": all(o.status == 503 for o in database_failures),
        "503_quickly": window.slowest(DATABASE_KINDS) <= DATABASE_FAIL_BUDGET_S,
        "recovery_within_5s": window.recovery_s is not None and window.recovery_s <= POSTGRES_RECOVERY_GOAL_S,
        "no_restart": bool(window.extra.get("same_pids")),
    }


def _provider_goals(allowed: frozenset[int]) -> Goals:
    def goals(window: Window) -> dict[str, bool]:
        fresh_failures = window.failures(AMADEUS_FRESH_KINDS)
        return {
            "cached_served": not window.failures(AMADEUS_CACHED_KINDS),
            "others_unaffected": not window.failures(excluding=AMADEUS_FRESH_KINDS | AMADEUS_CACHED_KINDS),
            "uncached_fail_cleanly": all(o.status in allowed for o in fresh_failures),
            "within_budget": window.slowest(AMADEUS_FRESH_KINDS) <= PROVIDER_BUDGET_S,
            "recovered": window.recovery_s is not None,
        }

    return goals


def _killed_goals(window: Window) -> dict[str, bool]:
    flights_failures = window.failures(FLIGHTS_KINDS)
    return {
        "others_unaffected": not window.failures(excluding=FLIGHTS_KINDS),
        "flights_fail_fast": window.slowest(FLIGHTS_KINDS) <= ANSWER_BUDGET_S,
        "flights_fail_cleanly": all(o.status in (502, 503, 504) for o in flights_failures),
        "restarted_by_supervisor": window.recovery_s is not None,
    }


def _travel_providers() -> list[str]:
    """The providers flights and stays run on in this stack (they read these same variables)."""
    chosen = (os.environ.get("FLIGHTS_PROVIDER", "amadeus"), os.environ.get("STAYS_PROVIDER", "amadeus"))
    return sorted(set(chosen))


def _sandbox_fault(spec: dict[str, Any]) -> Callable[[RunningStack], Any]:
    async def inject(stack: RunningStack) -> None:
        async with httpx.AsyncClient(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=5) as c:
            for provider in _travel_providers():
                (await c.post("/__sandbox/faults", json={"provider": provider, **spec})).raise_for_status()

    return inject


async def _clear_sandbox(stack: RunningStack) -> float:
    async with httpx.AsyncClient(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=5) as c:
        (await c.delete("/__sandbox/faults")).raise_for_status()
    return time.monotonic()


async def _stop(stack: RunningStack, program: str) -> None:
    await _ctl(stack, "stop", program)


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault("baseline", "no failed requests", probe=(), goals=_none_failed),
        Fault(
            "redis_down",
            "0 failed requests; the cache serves hits again once Redis is back",
            probe=("cache_hit",),
            goals=_redis_goals,
            inject=lambda s: _stop(s, "redis"),
            remove=lambda s: _restart_and_wait(s, "redis", s.topology.port(REDIS_PORT)),
        ),
        Fault(
            "postgres_down",
            "trips/memory 503 within 3.5 s, everything else unaffected, recovery ≤ 5 s after Postgres returns, "
            "no restart",
            probe=("trip_write", "trip_read", "memory_search"),
            goals=_postgres_goals,
            inject=lambda s: _stop(s, "postgres"),
            remove=lambda s: _restart_and_wait(s, "postgres", s.topology.port(POSTGRES_PORT)),
        ),
        Fault(
            "provider_down",
            "cached searches served, uncached 503 within the 8 s budget, none hanging, others unaffected",
            probe=("flights_fresh",),
            goals=_provider_goals(frozenset({503, 504})),
            inject=_sandbox_fault({"kind": "error_503"}),
            remove=_clear_sandbox,
        ),
        Fault(
            "provider_rate_limited",
            "cached searches served, uncached 503 with Retry-After within the 8 s budget, others unaffected",
            probe=("flights_fresh",),
            goals=_provider_goals(frozenset({429, 503, 504})),
            inject=_sandbox_fault({"kind": "rate_limit", "retry_after_s": 10}),
            remove=_clear_sandbox,
        ),
        Fault(
            "provider_slow",
            "cached searches served, uncached 504 at the 8 s budget, none hanging, others unaffected",
            probe=("flights_fresh",),
            goals=_provider_goals(frozenset({503, 504})),
            inject=_sandbox_fault({"kind": "slow", "delay_s": 5}),
            remove=_clear_sandbox,
        ),
        Fault(
            "service_killed",
            "flights killed (SIGKILL): its requests fail fast (502/503/504), others unaffected, supervisor restarts it",
            probe=("flights_fresh", "flights_cached"),
            goals=_killed_goals,
            inject=lambda s: _ctl(s, "signal", "KILL", "flights"),
            instant=True,
        ),
    )
}
