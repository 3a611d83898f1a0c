"""The chaos harness against a real stack, in tiny phases: it injects each kind of fault and judges the goals."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tripsage_chaos.cli import CHAOS_ENV, REPO
from tripsage_chaos.report import END, START, markdown, update_doc
from tripsage_chaos.runner import Plan, run
from tripsage_devstack.harness import RunningStack, running_stack

OFFSET = int(os.environ.get("TRIPSAGE_CHAOS_TEST_PORT_OFFSET", "23000"))


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    saved = {key: os.environ.get(key) for key in CHAOS_ENV}
    os.environ.update(CHAOS_ENV)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tripsage-chaos-test-") as run_dir,
            running_stack(offset=OFFSET, run_dir=Path(run_dir), cwd=REPO) as running,
        ):
            yield running
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.timeout(240)
def test_redis_and_provider_faults_meet_their_goals_and_lose_nothing(stack: RunningStack, tmp_path: Path) -> None:
    plan = Plan.smoke(phases=("baseline", "redis_down", "provider_down"))
    results = asyncio.run(run(stack, plan, sub="chaos-smoke"))
    phases = {phase["phase"]: phase for phase in results["phases"]}

    assert list(phases) == ["baseline", "redis_down", "provider_down"]
    for phase in phases.values():
        assert phase["sent"] > 0
        assert phase["goals"]["nothing_lost"], phase["durability"]
        assert phase["goals"]["no_duplicates"], phase["retries"]
    assert phases["redis_down"]["failed_by_status"] == {}  # Redis down: not one failed request
    assert phases["redis_down"]["recovery_s"] is not None  # the cache serves hits again once Redis is back
    provider = phases["provider_down"]
    assert provider["goals"]["cached_served"], provider["during_fault"]["failed_by_kind"]
    assert set(provider["during_fault"]["failed_by_kind"]) <= {"flights_fresh"}
    assert provider["during_fault"]["failed_by_kind"]["flights_fresh"]  # the fault was real: uncached searches failed
    assert phases["provider_down"]["durability"]["trips_acknowledged"] > 2

    doc = tmp_path / "reliability.md"
    doc.write_text(f"# Reliability\n\n{START}\nold\n{END}\n\n## Bad input\n")
    update_doc(doc, markdown(results))
    text = doc.read_text()
    assert "| `redis_down` |" in text
    assert "old" not in text
    assert text.endswith("## Bad input\n")
