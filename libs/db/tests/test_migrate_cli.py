"""The migration CLI as an operator runs it: a subprocess with exit codes and plain output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tripsage_testing import free_port


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tripsage_db.migrate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    (tmp_path / "20260101_01_trips.sql").write_text("CREATE TABLE trips (id int);")
    (tmp_path / "20260101_01_trips.rollback.sql").write_text("DROP TABLE trips;")
    return tmp_path


def test_up_status_and_dry_run_print_ids(fresh_database: str, migrations_dir: Path) -> None:
    base = ["--database-url", fresh_database, "--dir", str(migrations_dir)]

    dry = _cli(*base, "dry-run")
    up = _cli(*base, "up")
    status = _cli(*base, "status")
    down_plan = _cli(*base, "dry-run", "--to", "0")

    assert (dry.returncode, dry.stdout) == (0, "would apply 20260101_01_trips\n")
    assert (up.returncode, up.stdout) == (0, "applied 20260101_01_trips\n")
    assert (status.returncode, status.stdout) == (0, "applied  20260101_01_trips\n")
    assert (down_plan.returncode, down_plan.stdout) == (0, "would roll back 20260101_01_trips\n")


def test_reads_database_url_and_dir_from_environment(fresh_database: str, migrations_dir: Path) -> None:
    result = _cli("down", "--to", "0", env={"DATABASE_URL": fresh_database, "MIGRATIONS_DIR": str(migrations_dir)})

    assert (result.returncode, result.stdout) == (0, "nothing to roll back after 0\n")


def test_usage_errors_exit_2(migrations_dir: Path) -> None:
    env = {"DATABASE_URL": ""}
    assert _cli("--dir", str(migrations_dir), "up", env=env).returncode == 2
    assert _cli("--database-url", "postgresql://h/d", "sideways").returncode == 2
    assert _cli("--database-url", "postgresql://h/d", "down").returncode == 2


def test_unreachable_database_exits_1_without_printing_the_password(migrations_dir: Path) -> None:
    url = f"postgresql://app:Sup3rSecretPw@127.0.0.1:{free_port()}/tripsage"

    result = _cli("--database-url", url, "--dir", str(migrations_dir), "up")

    assert result.returncode == 1
    assert "cannot connect" in result.stderr
    assert "Sup3rSecretPw" not in result.stdout + result.stderr
