"""`make test` runs the benchmark harness in smoke mode so it cannot rot; the real figures come from `make bench`.

It asserts only what the code guarantees whatever else the machine is doing: every figure is measured and printed,
and no request fails, also in the figure taken with a CPU burner on one core. How fast is `make bench`'s business.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tripsage_bench.report import goal_rows

# Its own ports: beside a developer's `make run` (0) and the e2e stack (20000).
OFFSET = os.environ.get("TRIPSAGE_BENCH_SMOKE_PORT_OFFSET", "6000")


@pytest.mark.timeout(600)
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_the_benchmark_harness_measures_every_figure_without_a_failed_request(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tripsage_bench.cli", "--smoke", "--offset", OFFSET, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(out.read_text())
    assert {
        "1_gateway_hop",
        "2_cached_search",
        "3_cold_search",
        "4_brief_fanout",
        "5_memory_search",
        "6_footprint",
        "7_starved",
        "8_stop",
    } <= set(results)
    # No failed request, in any figure: a non-2xx is a bug to find in the stack's logs, never load.
    for item in ("1_gateway_hop", "2_cached_search", "3_cold_search"):
        assert results[item]["errors"]["median"] == 0, (item, results[item])
    assert results["7_starved"]["errors"] == 0, results["7_starved"]
    assert results["7_starved"]["requests"] > 0
    assert results["3_cold_search"]["requests"]["median"] > 0
    assert results["4_brief_fanout"]["briefs"] > 0
    assert "error" not in results["5_memory_search"], results["5_memory_search"]
    assert results["5_memory_search"]["vector_search_ms"]["p50"] > 0
    assert all(figures["start_to_ready_s"] is not None for figures in results["6_footprint"].values())
    assert results["8_stop"]["ctrl_c_to_exit_s"] is not None
    # Every figure of the goal table is printed with a measured value.
    for figure, measured, _goal, _verdict in goal_rows(results):
        assert f"| {figure} | {measured} |" in completed.stdout
        assert measured not in ("—", "0"), figure
