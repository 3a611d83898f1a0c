"""The disaster-recovery drill, bounded for `make test`: a real stack, a real backup, a deleted cluster, a restore."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tripsage_drill.cli import DEFAULT_OFFSET
from tripsage_drill.database import TableFingerprint, plan_summary
from tripsage_drill.drill import DrillReport, render_report, run_drill
from tripsage_drill.seed import DatasetSize

BOUNDED = DatasetSize(users=3, trips_per_user=4, items_per_trip=2, memories_per_user=6)


# Most of it is the stack starting (seven services and the sandbox's embedding model); under load that takes minutes.
@pytest.mark.timeout(900)
def test_a_backup_restores_into_a_new_cluster_with_rows_policies_index_and_answers_intact() -> None:
    offset = int(os.environ.get("TRIPSAGE_DRILL_PORT_OFFSET", DEFAULT_OFFSET))
    with tempfile.TemporaryDirectory(prefix="tripsage-drill-") as run_dir:
        report = run_drill(size=BOUNDED, offset=offset, run_dir=Path(run_dir))
    print(render_report(report))

    assert report.migrations_clean, report.migrations
    assert report.tables_equal
    assert report.before["public.trips"].rows == BOUNDED.users * BOUNDED.trips_per_user
    assert report.before["public.trip_items"].rows == BOUNDED.users * BOUNDED.trips_per_user * BOUNDED.items_per_trip
    assert report.before["public.memories"].rows == BOUNDED.users * BOUNDED.memories_per_user
    assert report.rls is not None
    assert report.rls.passed, report.rls
    assert report.rls_through_api
    assert report.hnsw_before
    assert report.hnsw_after
    assert report.search_equal
    assert report.replays_equal
    assert report.passed
    assert {"backup", "restore", "verify"} <= report.timings.keys()


def test_the_report_names_a_table_whose_rows_differ_and_fails() -> None:
    report = DrillReport(size=BOUNDED)
    report.before = {"public.trips": TableFingerprint(15, "a" * 32)}
    report.after = {"public.trips": TableFingerprint(14, "b" * 32)}
    report.timings = {"backup": 1.0, "restore": 2.0, "verify": 0.5}

    text = render_report(report)

    assert "public.trips" in text
    assert "DIFFERENT" in text
    assert "FAILED  rows and checksums of every table equal" in text
    assert "3.50" in text  # the measured RTO: backup + restore + verify
    assert not report.passed


def test_plan_summary_names_the_scan_the_planner_chose() -> None:
    plan = (
        "Limit  (cost=8.2..9.1 rows=5 width=72)\n"
        "  ->  Index Scan using memories_hnsw_idx on memories  (cost=8.2..40.1 rows=1 width=72)\n"
        "        Order By: (vector <=> '[1,2]'::vector)"
    )

    assert plan_summary(plan) == "Index Scan using memories_hnsw_idx on memories"
