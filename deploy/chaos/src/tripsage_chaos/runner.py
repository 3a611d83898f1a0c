"""Run the phases against a running stack: load, fault, removal, recovery, then the durability audit."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import structlog

from tripsage_chaos.faults import FAULTS, Fault, Window
from tripsage_chaos.ledger import Ledger, audit, retry_unresolved
from tripsage_chaos.load import CLIENT_TIMEOUT_S, Outcome, Workload
from tripsage_devstack.harness import RunningStack

log = structlog.get_logger(__name__)

RECOVERY_STREAK = 5  # consecutive good probe rounds before a dependency counts as recovered
PROBE_INTERVAL_S = 0.2


@dataclass(frozen=True)
class Plan:
    """How long each part of a phase lasts and how hard the load pushes; bounded by time and by count."""

    warm_s: float
    fault_s: float
    tail_s: float
    recovery_timeout_s: float
    concurrency: int
    max_requests: int
    phases: tuple[str, ...]

    @classmethod
    def full(cls) -> Plan:
        return cls(
            warm_s=4,
            fault_s=15,
            tail_s=4,
            recovery_timeout_s=45,
            concurrency=8,
            max_requests=10_000,
            phases=tuple(FAULTS),
        )

    @classmethod
    def smoke(cls, phases: Iterable[str] = ("baseline", "redis_down", "provider_down")) -> Plan:
        return cls(
            warm_s=0.5,
            fault_s=2,
            tail_s=0.5,
            recovery_timeout_s=20,
            concurrency=4,
            max_requests=400,
            phases=tuple(phases),
        )


def _p(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    latencies = [o.elapsed_s for o in outcomes]
    failed = Counter(o.label for o in outcomes if not o.ok)
    by_kind: defaultdict[str, Counter[str]] = defaultdict(Counter)
    slowest_failure: dict[str, float] = {}
    for o in outcomes:
        if not o.ok:
            by_kind[o.kind][o.label] += 1
            slowest_failure[o.kind] = max(slowest_failure.get(o.kind, 0.0), round(o.elapsed_s * 1000, 1))
    return {
        "sent": len(outcomes),
        "ok": len(outcomes) - sum(failed.values()),
        "failed_by_status": dict(sorted(failed.items())),
        "failed_by_kind": {kind: dict(counts) for kind, counts in sorted(by_kind.items())},
        "slowest_failure_ms": dict(sorted(slowest_failure.items())),
        "cache": dict(sorted(Counter(o.cache for o in outcomes if o.cache).items())),
        "p50_ms": _p(latencies, 50),
        "p99_ms": _p(latencies, 99),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
    }


async def _probe_ok(workload: Workload, kind: str) -> bool:
    if kind == "cache_hit":
        outcome = await workload.one("flights_cached")
        return outcome.ok and outcome.cache == "hit"
    return (await workload.one(kind)).ok


async def _recovered_at(
    workload: Workload, probe: tuple[str, ...], *, since: float, timeout_s: float, trace: dict[str, float | None]
) -> float | None:
    """The start of the first streak of good probe rounds after `since`; None if none within the timeout.

    `trace` gets, per probe kind, when its own last run of successes began (which dependency came back last).
    """
    streak_started: float | None = None
    streak = 0
    kind_since: dict[str, float | None] = dict.fromkeys(probe)
    while time.monotonic() < since + timeout_s:
        round_started = time.monotonic()
        results = []
        for kind in probe:
            ok = await _probe_ok(workload, kind)
            kind_since[kind] = (kind_since[kind] or round_started) if ok else None
            results.append(ok)
        if all(results):
            streak_started = streak_started or round_started
            streak += 1
            if streak >= RECOVERY_STREAK:
                break
        else:
            streak_started, streak = None, 0
        await asyncio.sleep(PROBE_INTERVAL_S)
    trace.update({k: None if v is None else round(max(0.0, v - since), 2) for k, v in kind_since.items()})
    return streak_started if streak >= RECOVERY_STREAK else None


async def _warm(workload: Workload) -> None:
    """Fill the cache with the fixed queries so that a provider fault has something to serve."""
    for kind, *_ in workload.cached_requests():
        for _attempt in range(40):
            if (await workload.one(kind)).ok:
                break
            await asyncio.sleep(0.5)


async def _pids(stack: RunningStack, names: Iterable[str]) -> dict[str, str]:
    return {name: (await asyncio.to_thread(stack.ctl, "pid", name)).strip() for name in names}


async def _drive(workload: Workload, stop: asyncio.Event, plan: Plan, outcomes: list[Outcome]) -> None:
    budget = itertools.count()

    async def worker() -> None:
        while not stop.is_set() and next(budget) < plan.max_requests:
            outcomes.append(await workload.one(workload.pick()))

    await asyncio.gather(*(worker() for _ in range(plan.concurrency)))


async def run_phase(stack: RunningStack, workload: Workload, fault: Fault, plan: Plan) -> dict[str, Any]:
    await _warm(workload)
    watched = ("gateway", "memory")
    pids_before = await _pids(stack, watched)
    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    load = asyncio.create_task(_drive(workload, stop, plan, outcomes))
    await asyncio.sleep(plan.warm_s)
    fault_started = time.monotonic()
    log.info("fault_injected", phase=fault.name)
    if fault.inject is not None:
        await fault.inject(stack)
    if not fault.instant:
        await asyncio.sleep(plan.fault_s)
    fault_ended = await fault.remove(stack) if fault.remove is not None else time.monotonic()
    if fault.instant:
        fault_ended = fault_started
    log.info("fault_removed", phase=fault.name)
    trace: dict[str, float | None] = {}
    recovered = (
        await _recovered_at(workload, fault.probe, since=fault_ended, timeout_s=plan.recovery_timeout_s, trace=trace)
        if fault.probe
        else fault_ended
    )
    window_end = recovered if recovered is not None else time.monotonic()
    await asyncio.sleep(plan.tail_s)
    stop.set()
    await load
    pids_after = await _pids(stack, watched)
    recovery_s = None if recovered is None else round(max(0.0, recovered - fault_ended), 2)
    window = Window(
        during=[o for o in outcomes if fault_started <= o.started < window_end],
        recovery_s=recovery_s,
        extra={"same_pids": pids_before == pids_after and all(p.isdigit() for p in pids_after.values())},
    )
    after = [o for o in outcomes if o.started >= window_end]
    retries = await retry_unresolved(workload.ledger, workload.write_trip)
    durability = await audit(workload.client, workload.ledger, workload.item_trip_id)
    goals = fault.goals(window)
    goals["steady_after_recovery"] = recovered is not None and all(o.ok for o in after)
    goals["none_hanging"] = goals.get("none_hanging", True) and all(o.error != "timeout" for o in outcomes)
    goals["nothing_lost"] = not (durability["trips_lost"] or durability["items_lost"] or durability["memories_lost"])
    goals["no_duplicates"] = not (
        durability["trips_duplicated"] or durability["trips_unknown"] or retries["replay_mismatches"]
    )
    goals["retried_writes_succeed"] = retries["still_failing"] == 0
    result = {
        "phase": fault.name,
        "goal": fault.goal,
        **summarize(outcomes),
        "fault_window_s": round(fault_ended - fault_started, 2),
        "recovery_s": recovery_s,
        "recovery_by_probe_s": trace,
        "during_fault": summarize(window.during),
        "after_recovery": summarize(after),
        "pids_before": pids_before,
        "pids_after": pids_after,
        "retries": retries,
        "durability": durability,
        "goals": goals,
        "passed": all(goals.values()),
    }
    log.info("phase_done", phase=fault.name, passed=result["passed"], goals=goals)
    return result


async def _create_trip(workload: Workload) -> str:
    key = uuid.uuid4().hex
    for _attempt in range(20):
        try:
            response = await workload.write_trip(key)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 201:
            trip_id: str = response.json()["id"]
            return trip_id
        await asyncio.sleep(0.5)
    raise RuntimeError("could not create the chaos run's trips through the gateway")


async def run(stack: RunningStack, plan: Plan, *, sub: str) -> dict[str, Any]:
    """Every phase of `plan`, in order, against `stack`, as user `sub`."""
    headers = {"Authorization": f"Bearer {await asyncio.to_thread(stack.token, sub)}"}
    limits = httpx.Limits(max_connections=plan.concurrency * 2, max_keepalive_connections=plan.concurrency * 2)
    async with httpx.AsyncClient(
        base_url=stack.topology.gateway_url, headers=headers, timeout=CLIENT_TIMEOUT_S, limits=limits, trust_env=False
    ) as client:
        workload = Workload(client, Ledger(), brief_trip_id="", item_trip_id="")
        workload.brief_trip_id = await _create_trip(workload)
        workload.item_trip_id = await _create_trip(workload)
        phases = [await run_phase(stack, workload, FAULTS[name], plan) for name in plan.phases]
    return {"plan": asdict(plan), "phases": phases, "passed": all(p["passed"] for p in phases)}
