"""`make test` runs the benchmark harness in smoke mode so it cannot rot; the real figures come from `make bench`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(600)
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_the_benchmark_harness_measures_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tripsage_bench.cli", "--smoke", "--offset", "6000", "--out", str(out)],
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
    } <= set(results)
    for item in ("1_gateway_hop", "2_cached_search", "3_cold_search"):
        assert results[item]["errors"]["median"] == 0, (item, results[item])
    assert results["3_cold_search"]["requests"]["median"] > 0
    assert "error" not in results["5_memory_search"], results["5_memory_search"]
    assert results["5_memory_search"]["vector_search_ms"]["p50"] > 0
    assert all(figures["start_to_ready_s"] is not None for figures in results["6_footprint"].values())
    assert "| 1 gateway hop" in completed.stdout
