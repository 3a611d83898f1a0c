"""The six measurements of the benchmark suite, each against the running stack, each bounded in time."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from tripsage_bench import wrk
from tripsage_core import manifest
from tripsage_devstack.harness import RunningStack
from tripsage_devstack.topology import SANDBOX_PORT, SERVICES

TIMEZONE_PATH = "/v1/time/timezone?lat=35.68&lon=139.69"
TIME_PORT = manifest.service("time").port
REPO = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Plan:
    """How long and how often: the full suite, or a smoke run that only proves the harness works."""

    runs: int
    seconds: float
    briefs: int
    memory_count: int
    memory_others: int
    memory_queries: int

    @classmethod
    def full(cls) -> Plan:
        return cls(runs=3, seconds=8, briefs=30, memory_count=10_000, memory_others=90_000, memory_queries=200)

    @classmethod
    def smoke(cls) -> Plan:
        return cls(runs=1, seconds=1, briefs=2, memory_count=50, memory_others=50, memory_queries=5)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def _per_request(later: dict[str, float], earlier: dict[str, float], name: str, requests: float) -> float:
    if not requests or name not in later or name not in earlier:
        return 0.0
    return round((later[name] - earlier[name]) / requests * 1e6, 1)


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else 0.0


def _runs(plan: Plan, measure: Callable[[], dict[str, float]]) -> dict[str, dict[str, float]]:
    samples = [measure() for _ in range(plan.runs)]
    return {key: spread([sample[key] for sample in samples]) for key in samples[0]}


class Suite:
    def __init__(self, stack: RunningStack, plan: Plan, *, sandbox_delay_ms: float) -> None:
        self.stack = stack
        self.plan = plan
        self.sandbox_delay_ms = sandbox_delay_ms
        self.user = f"bench-{int(time.time())}"
        self.auth = {"Authorization": f"Bearer {stack.token(self.user)}"}
        self.gateway = stack.topology.gateway_url

    def gateway_hop(self) -> dict[str, Any]:
        direct = self.stack.topology.url(TIME_PORT) + TIMEZONE_PATH
        through = self.gateway + TIMEZONE_PATH

        def once() -> dict[str, float]:
            seconds = self.plan.seconds
            d1 = wrk.run(direct, connections=1, seconds=seconds, headers=self.auth)
            g1 = wrk.run(through, connections=1, seconds=seconds, headers=self.auth)
            before = self._cpu_seconds()
            d32 = wrk.run(direct, connections=32, seconds=seconds, headers=self.auth)
            middle = self._cpu_seconds()
            g32 = wrk.run(through, connections=32, seconds=seconds, headers=self.auth)
            after = self._cpu_seconds()
            return {
                "direct_p50_ms": d1["p50_ms"],
                "direct_p90_ms": d1["p90_ms"],
                "direct_p99_ms": d1["p99_ms"],
                "gateway_p50_ms": g1["p50_ms"],
                "gateway_p90_ms": g1["p90_ms"],
                "gateway_p99_ms": g1["p99_ms"],
                "added_p90_ms": round(g1["p90_ms"] - d1["p90_ms"], 3),
                "direct_rps_c32": d32["rps"],
                "gateway_rps_c32": g32["rps"],
                "throughput_ratio": round(g32["rps"] / d32["rps"], 3) if d32["rps"] else 0.0,
                # CPU per request explains the ratio where throughput alone can't: on two cores, wrk, the gateway, the
                # time service and Redis share the CPUs that the direct run leaves to wrk and the time service alone.
                "time_cpu_us_per_request_direct": _per_request(middle, before, "time", d32["requests"]),
                "time_cpu_us_per_request_through": _per_request(after, middle, "time", g32["requests"]),
                "gateway_cpu_us_per_request": _per_request(after, middle, "gateway", g32["requests"]),
                "hop_cpu_us_per_request": _per_request(after, middle, "gateway", g32["requests"])
                + _per_request(after, middle, "time", g32["requests"]),
                "gateway_to_time_cpu": _ratio(
                    _per_request(after, middle, "gateway", g32["requests"]),
                    _per_request(after, middle, "time", g32["requests"]),
                ),
                "errors": d1["non_2xx"] + g1["non_2xx"] + d32["non_2xx"] + g32["non_2xx"],
            }

        return _runs(self.plan, once)

    def _search_url(self, extra: str = "") -> str:
        day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        return f"{self.gateway}/v1/flights/search?origin=JFK&destination=LHR&departure_date={day}&adults=1{extra}"

    def cached_search(self, hop_rps: float, hop_cpu_us: float) -> dict[str, Any]:
        url = self._search_url()
        httpx.get(url, headers=self.auth, timeout=30, trust_env=False).raise_for_status()  # fill the cache
        processes = ("gateway", "flights", "redis")

        def once() -> dict[str, float]:
            before = self._cpu_seconds(processes)
            result = wrk.run(url, connections=32, seconds=self.plan.seconds, headers=self.auth)
            after = self._cpu_seconds(processes)
            cpu_us = sum(_per_request(after, before, name, result["requests"]) for name in processes)
            return {
                "rps_c32": result["rps"],
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "ratio_to_gateway_hop": round(result["rps"] / hop_rps, 3) if hop_rps else 0.0,
                "cpu_us_per_request": round(cpu_us, 1),
                "cpu_ratio_to_gateway_hop": _ratio(cpu_us, hop_cpu_us),
                "errors": result["non_2xx"],
            }

        return _runs(self.plan, once)

    def cold_search(self) -> dict[str, Any]:
        bases = iter(range(100_000, 1_000_000, 100_000))

        def once() -> dict[str, float]:
            # `{n}` (a counter, added to a fresh base per run) makes every request a new query, so every one misses
            # the cache and reaches the sandbox; max_price stays under the service's bound of 1,000,000.
            url = self._search_url("&max_price={n}")
            result = wrk.run(url, connections=1, seconds=self.plan.seconds, headers=self.auth, counter_from=next(bases))
            return {
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "sandbox_delay_ms": self.sandbox_delay_ms,
                "overhead_p50_ms": round(result["p50_ms"] - self.sandbox_delay_ms, 3),
                "requests": result["requests"],
                "errors": result["non_2xx"],
            }

        return _runs(self.plan, once)

    def brief_fanout(self) -> dict[str, Any]:
        overheads, totals, slowest = [], [], []
        with httpx.Client(base_url=self.gateway, headers=self.auth, timeout=30, trust_env=False) as client:
            for n in range(self.plan.briefs):
                start = dt.date.today() + dt.timedelta(days=40 + n)  # new dates: every section misses its cache
                trip = client.post(
                    "/v1/trips",
                    json={
                        "name": f"bench {n}",
                        "origin": "SFO",
                        "travelers": 1,
                        "destination": {"text": "Tokyo", "lat": 35.6812, "lon": 139.7671},
                        "start_date": start.isoformat(),
                        "end_date": (start + dt.timedelta(days=3)).isoformat(),
                    },
                )
                trip.raise_for_status()
                started = time.perf_counter()
                brief = client.get(f"/v1/trips/{trip.json()['id']}/brief").json()
                total = (time.perf_counter() - started) * 1000
                sections = [brief[name]["elapsed_ms"] for name in ("local_time", "weather", "stays", "flights")]
                totals.append(total)
                slowest.append(max(sections))
                overheads.append(total - max(sections))
        return {
            "brief_ms": spread(totals),
            "slowest_section_ms": spread(slowest),
            "overhead_ms": spread(overheads),
            "briefs": len(totals),
        }

    def memory_search(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "memory.json"
            command = [
                sys.executable,
                str(REPO / "services/memory/benchmarks/search_latency.py"),
                "--memories",
                str(self.plan.memory_count),
                "--others",
                str(self.plan.memory_others),
                "--queries",
                str(self.plan.memory_queries),
                "--synthetic-others",
                "--sandbox-url",
                self.stack.topology.url(SANDBOX_PORT),
                "--json",
                str(out),
            ]
            completed = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
            if completed.returncode != 0:
                return {"error": completed.stderr[-2000:]}
            result: dict[str, Any] = json.loads(out.read_text())
            return result

    def footprint(self, idle_rss: dict[str, float]) -> dict[str, Any]:
        loaded = self.rss()
        startup = {service.name: self._start_to_ready(service.name, service.port) for service in SERVICES}
        return {
            name: {
                "rss_idle_mib": idle_rss.get(name),
                "rss_loaded_mib": loaded.get(name),
                "start_to_ready_s": startup.get(name),
            }
            for name in loaded
        }

    def starved(self) -> dict[str, Any]:
        """The gateway hop and the cached search at 32 connections while a CPU burner keeps one core busy."""
        # Killed in `finally`: the burner lives exactly as long as the two runs.
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            hop = wrk.run(self.gateway + TIMEZONE_PATH, connections=32, seconds=self.plan.seconds, headers=self.auth)
            search = wrk.run(self._search_url(), connections=32, seconds=self.plan.seconds, headers=self.auth)
        finally:
            burner.kill()
            burner.wait(timeout=10)
        return {
            "gateway_hop_rps_c32": hop["rps"],
            "cached_search_rps_c32": search["rps"],
            "requests": hop["requests"] + search["requests"],
            "errors": hop["non_2xx"] + search["non_2xx"],
        }

    def _cpu_seconds(self, names: tuple[str, ...] = ("gateway", "time")) -> dict[str, float]:
        """User + system CPU seconds so far of the named processes (their children included)."""
        seconds = {}
        for name in names:
            pid = self.stack.ctl("pid", name).strip()
            if pid.isdigit():
                process = psutil.Process(int(pid))
                seconds[name] = sum(
                    times.user + times.system
                    for times in [process.cpu_times(), *(c.cpu_times() for c in process.children(recursive=True))]
                )
        return seconds

    def rss(self) -> dict[str, float]:
        sizes = {}
        for service in SERVICES:
            pid = self.stack.ctl("pid", service.name).strip()
            if pid.isdigit():
                process = psutil.Process(int(pid))
                total = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
                sizes[service.name] = round(total / 2**20, 1)
        return sizes

    def _start_to_ready(self, name: str, port: int) -> float | None:
        self.stack.ctl("stop", name)
        started = time.perf_counter()
        # supervisorctl returns only after its own start delay; the clock runs from the start command.
        starter = threading.Thread(target=self.stack.ctl, args=("start", name))
        starter.start()
        url = self.stack.topology.url(port) + "/ready"
        elapsed: float | None = None
        with httpx.Client(timeout=1, trust_env=False) as client:
            while time.perf_counter() - started < 60:
                try:
                    if client.get(url).status_code == 200:
                        elapsed = round(time.perf_counter() - started, 2)
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        starter.join(timeout=60)
        return elapsed
