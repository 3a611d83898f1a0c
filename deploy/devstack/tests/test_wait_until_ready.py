"""Waiting for the stack: a dead stack is reported at once, a slow one is waited for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripsage_devstack.cli import READY_TIMEOUT_S, wait_until_ready
from tripsage_devstack.topology import Topology

# Nothing listens at these ports: every readiness probe and the migrations check are refused at once.
NOTHING_LISTENS = Topology(offset=15900)
MIGRATIONS = Path(__file__).resolve().parents[3] / "deploy" / "migrations"


def test_a_stack_that_exited_is_reported_without_waiting_out_the_timeout() -> None:
    checks: list[bool] = []

    def exited() -> bool:
        checks.append(False)
        return False

    with pytest.raises(TimeoutError, match=r"exited before it was ready.*gateway.*migrations"):
        wait_until_ready(NOTHING_LISTENS, timeout_s=3600, migrations_dir=MIGRATIONS, alive=exited)
    assert len(checks) == 1  # one polling round, not the hour the timeout would allow


def test_a_stack_still_starting_is_given_the_full_timeout() -> None:
    with pytest.raises(TimeoutError, match=r"not ready after 1 s: .*gateway"):
        wait_until_ready(NOTHING_LISTENS, timeout_s=1, migrations_dir=MIGRATIONS, alive=lambda: True)


def test_the_startup_guard_allows_minutes_for_a_starved_machine() -> None:
    # CI ran the stack beside other work and it needed more than two minutes to start: the guard is not a benchmark.
    assert READY_TIMEOUT_S >= 300
