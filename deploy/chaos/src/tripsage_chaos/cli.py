"""`tripsage-chaos`: start the stack as `make run` does, break it one way at a time under load, write the results."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from tripsage_chaos.faults import FAULTS
from tripsage_chaos.report import markdown, update_doc
from tripsage_chaos.runner import Plan, run
from tripsage_devstack.harness import running_stack

REPO = Path(__file__).resolve().parents[4]

# The limiter would refuse the load itself: chaos measures faults, not the per-user budget (tested on its own).
CHAOS_ENV = {
    "GATEWAY_RATE_LIMIT_SEARCH": "10000000/minute",
    "GATEWAY_RATE_LIMIT_READ": "10000000/minute",
    "GATEWAY_RATE_LIMIT_WRITE": "10000000/minute",
    # Search answers go stale within a fault window, so provider faults prove stale-if-error, not just fresh hits.
    "FLIGHTS_SEARCH_TTL_S": "5",
    "STAYS_SEARCH_TTL_S": "5",
    **{f"{name}_ACCESS_LOG": "false" for name in ("GATEWAY", "TIME", "FLIGHTS", "STAYS", "MAPS", "WEATHER", "MEMORY")},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripsage-chaos", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny phases: proves the harness works")
    parser.add_argument("--phases", nargs="+", choices=sorted(FAULTS), help="run only these phases, in this order")
    parser.add_argument("--offset", type=int, default=24_000, help="port offset of the stack under test")
    parser.add_argument("--out", type=Path, default=REPO / "chaos" / "results.json")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "reliability.md")
    args = parser.parse_args(argv)
    plan = Plan.smoke() if args.smoke else Plan.full()
    if args.phases:
        plan = Plan(**{**plan.__dict__, "phases": tuple(args.phases)})
    os.environ.update(CHAOS_ENV)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="tripsage-chaos-") as run_dir,
        running_stack(offset=args.offset, run_dir=Path(run_dir), cwd=REPO) as stack,
    ):
        results = asyncio.run(run(stack, plan, sub=f"chaos-{int(time.time())}"))
    results["duration_s"] = round(time.monotonic() - started)
    results["finished_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = markdown(results)
    if not args.smoke and not args.phases:
        update_doc(args.doc, table)
    print(table)
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
