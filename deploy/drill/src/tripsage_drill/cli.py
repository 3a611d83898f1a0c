"""`tripsage-drill`: the disaster-recovery drill; prints the report, exits 1 unless every check passed."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tripsage_drill.drill import render_report, run_drill
from tripsage_drill.seed import DatasetSize

# Beside the e2e stack's default (20000), so `make drill` and `make e2e` can run at once.
DEFAULT_OFFSET = 21000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripsage-drill", description=__doc__)
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--trips-per-user", type=int, default=20)
    parser.add_argument("--items-per-trip", type=int, default=3)
    parser.add_argument("--memories-per-user", type=int, default=25)
    parser.add_argument(
        "--offset",
        type=int,
        default=int(os.environ.get("TRIPSAGE_DRILL_PORT_OFFSET", DEFAULT_OFFSET)),
        help="added to every port of the stack (default: $TRIPSAGE_DRILL_PORT_OFFSET or 21000)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.users < 2:
        parser.error("--users must be at least 2: the RLS check reads one user's rows as another")
    size = DatasetSize(args.users, args.trips_per_user, args.items_per_trip, args.memories_per_user)
    # Not under the repository: the stack's data directory is deleted on purpose halfway through.
    with tempfile.TemporaryDirectory(prefix="tripsage-drill-") as run_dir:
        report = run_drill(size=size, offset=args.offset, run_dir=Path(run_dir))
    print(render_report(report))
    if args.json:
        figures = {
            "size": asdict(size),
            "timings_s": {step: round(seconds, 2) for step, seconds in report.timings.items()},
            "rto_s": round(report.rto_s, 2),
            "backup_bytes": report.backup_bytes,
            "rows": {table: fingerprint.rows for table, fingerprint in report.after.items()},
            "checks": report.checks(),
            "planner_choice": report.planner_choice,
            "passed": report.passed,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
