"""`tripsage-bench`: start the stack as `make run` does, measure it, write results.json and the docs table."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from tripsage_bench import wrk
from tripsage_bench.report import markdown, update_doc
from tripsage_bench.suite import REPO, Plan, Suite
from tripsage_devstack.harness import RunningStack, running_stack

# Limits sized for load generation: the benchmark measures the system, not the limiter's refusals.
_BENCH_ENV = {
    "GATEWAY_RATE_LIMIT_SEARCH": "10000000/minute",
    "GATEWAY_RATE_LIMIT_READ": "10000000/minute",
    "GATEWAY_RATE_LIMIT_WRITE": "10000000/minute",
    "GATEWAY_ACCESS_LOG": "false",
    "TIME_ACCESS_LOG": "false",
    "FLIGHTS_ACCESS_LOG": "false",
    "STAYS_ACCESS_LOG": "false",
    "MAPS_ACCESS_LOG": "false",
    "WEATHER_ACCESS_LOG": "false",
}


def measure(stack: RunningStack, plan: Plan, sandbox_delay_ms: float) -> dict[str, Any]:
    suite = Suite(stack, plan, sandbox_delay_ms=sandbox_delay_ms)
    idle = suite.rss()
    hop = suite.gateway_hop()
    results: dict[str, Any] = {
        "1_gateway_hop": hop,
        "2_cached_search": suite.cached_search(
            hop["gateway_rps_c32"]["median"], hop["hop_cpu_us_per_request"]["median"]
        ),
        "3_cold_search": suite.cold_search(),
        "4_brief_fanout": suite.brief_fanout(),
        "5_memory_search": suite.memory_search(),
    }
    results["6_footprint"] = suite.footprint(idle)
    results["7_starved"] = suite.starved()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripsage-bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few requests per figure: proves the harness works")
    parser.add_argument("--offset", type=int, default=4_000, help="stack port offset (keep ports < 32768)")
    parser.add_argument("--sandbox-delay-ms", type=float, default=20.0, help="fixed delay of every provider call")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    if not wrk.available():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    plan = Plan.smoke() if args.smoke else Plan.full()
    os.environ.update({**_BENCH_ENV, "SANDBOX_LATENCY_MS": str(args.sandbox_delay_ms)})
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="tripsage-bench-") as run_dir,
        # A generous start: on a busy machine the stack can take minutes to be ready, which is not what is measured.
        running_stack(
            offset=args.offset, run_dir=Path(run_dir), cwd=REPO, ready_timeout_s=300, stop_signal=signal.SIGINT
        ) as stack,
    ):
        results = measure(stack, plan, args.sandbox_delay_ms)
    # Ctrl-C (SIGINT) until the stack's command exited, which it does once every process has.
    results["8_stop"] = {"ctrl_c_to_exit_s": round(stack.stop_s, 2) if stack.stop_s is not None else None}
    results.update(
        {
            "plan": plan.__dict__,
            "sandbox_delay_ms": args.sandbox_delay_ms,
            "duration_s": round(time.monotonic() - started),
            "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {
                "cpus": os.cpu_count(),
                "memory_gib": round(psutil.virtual_memory().total / 2**30),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    table = markdown(results)
    if not args.smoke:
        update_doc(args.doc, table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
