"""Migration runner against a real Postgres: up/down/status/dry-run, checksums, lock, failures."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tripsage_db.migrations import (
    ChecksumMismatch,
    MigrationError,
    MigrationFailed,
    MigrationRunner,
    MigrationStatus,
    redact_url,
    to_yoyo_url,
)

REPO_MIGRATIONS = Path(__file__).resolve().parents[3] / "deploy" / "migrations"


def _write(directory: Path, migration_id: str, up: str, down: str) -> None:
    (directory / f"{migration_id}.sql").write_text(up)
    (directory / f"{migration_id}.rollback.sql").write_text(down)


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    directory.mkdir()
    _write(directory, "20260101_01_trips", "CREATE TABLE trips (id int PRIMARY KEY);", "DROP TABLE trips;")
    _write(
        directory,
        "20260101_02_stops",
        "CREATE TABLE stops (id int PRIMARY KEY, trip_id int REFERENCES trips(id));",
        "DROP TABLE stops;",
    )
    _write(directory, "20260102_01_notes", "CREATE TABLE notes (body text);", "DROP TABLE notes;")
    return directory


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name NOT LIKE '%yoyo%' AND table_name NOT LIKE '_tripsage%'"
        ).fetchall()
    return {row[0] for row in rows}


def test_up_applies_all_pending_in_order_then_has_nothing_to_do(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)

    assert runner.up() == ["20260101_01_trips", "20260101_02_stops", "20260102_01_notes"]
    assert _tables(fresh_database) == {"trips", "stops", "notes"}
    assert runner.up() == []


def test_status_lists_applied_and_pending_ids(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)
    runner.up()
    _write(migrations_dir, "20260103_01_tags", "CREATE TABLE tags (name text);", "DROP TABLE tags;")

    assert runner.status() == [
        MigrationStatus("20260101_01_trips", "applied"),
        MigrationStatus("20260101_02_stops", "applied"),
        MigrationStatus("20260102_01_notes", "applied"),
        MigrationStatus("20260103_01_tags", "pending"),
    ]


def test_down_to_version_rolls_back_only_later_migrations(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)
    runner.up()

    assert runner.down("20260101_01") == ["20260102_01_notes", "20260101_02_stops"]
    assert _tables(fresh_database) == {"trips"}
    assert runner.down("0") == ["20260101_01_trips"]
    assert _tables(fresh_database) == set()


def test_down_rejects_unknown_version(fresh_database: str, migrations_dir: Path) -> None:
    with pytest.raises(MigrationError, match="unknown migration version"):
        MigrationRunner(fresh_database, migrations_dir).down("20990101_01")


def test_dry_run_reports_plan_without_changing_anything(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)

    assert runner.plan_up() == ["20260101_01_trips", "20260101_02_stops", "20260102_01_notes"]
    assert _tables(fresh_database) == set()
    runner.up()
    assert runner.plan_down("20260101_02_stops") == ["20260102_01_notes"]
    assert _tables(fresh_database) == {"trips", "stops", "notes"}


def test_refuses_up_when_an_applied_file_changed(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)
    runner.up()
    _write(migrations_dir, "20260103_01_tags", "CREATE TABLE tags (name text);", "DROP TABLE tags;")
    (migrations_dir / "20260101_02_stops.sql").write_text("CREATE TABLE stops (id bigint PRIMARY KEY);")

    with pytest.raises(ChecksumMismatch, match=r"20260101_02_stops \(modified\)"):
        runner.up()
    assert "tags" not in _tables(fresh_database)
    assert MigrationStatus("20260101_02_stops", "modified") in runner.status()


def test_refuses_up_when_an_applied_file_was_deleted(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)
    runner.up()
    (migrations_dir / "20260102_01_notes.sql").unlink()
    (migrations_dir / "20260102_01_notes.rollback.sql").unlink()

    with pytest.raises(ChecksumMismatch, match=r"20260102_01_notes \(missing\)"):
        runner.up()


def test_failing_migration_rolls_back_and_leaves_no_trace(fresh_database: str, migrations_dir: Path) -> None:
    runner = MigrationRunner(fresh_database, migrations_dir)
    runner.up()
    _write(
        migrations_dir,
        "20260103_01_broken",
        "CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT no_such_function();",
        "DROP TABLE half_done;",
    )

    with pytest.raises(MigrationFailed, match="20260103_01_broken"):
        runner.up()

    assert "half_done" not in _tables(fresh_database)
    assert MigrationStatus("20260103_01_broken", "pending") in runner.status()


def test_concurrent_runners_apply_each_migration_exactly_once(fresh_database: str, tmp_path: Path) -> None:
    directory = tmp_path / "slow"
    directory.mkdir()
    # The sleep holds the advisory lock long enough for the second runner to queue behind it.
    _write(
        directory,
        "20260101_01_counter",
        "CREATE TABLE applied (n int);\nINSERT INTO applied VALUES (1);\nSELECT pg_sleep(0.7);",
        "DROP TABLE applied;",
    )
    results: dict[str, list[str]] = {}
    finished_at: dict[str, float] = {}

    def run(name: str) -> None:
        results[name] = MigrationRunner(fresh_database, directory).up()
        finished_at[name] = time.monotonic()

    runners = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for runner in runners:
        runner.start()  # both at once: even the bookkeeping setup of a fresh database must not race
    for runner in runners:
        runner.join(60)  # only a runner stuck on the lock waits this long

    assert sorted(results.values()) == [[], ["20260101_01_counter"]]
    applier, waiter = sorted(results, key=lambda name: len(results[name]), reverse=True)
    assert finished_at[waiter] >= finished_at[applier]  # it queued on the lock, not ran alongside
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM applied").fetchone() == (1,)


def test_rejects_badly_named_and_unpaired_files(fresh_database: str, migrations_dir: Path) -> None:
    (migrations_dir / "add_users.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="YYYYMMDD_NN_name"):
        MigrationRunner(fresh_database, migrations_dir).up()
    (migrations_dir / "add_users.sql").unlink()
    (migrations_dir / "20260105_01_lonely.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="no rollback file"):
        MigrationRunner(fresh_database, migrations_dir).up()


def test_bookkeeping_tables_have_row_level_security(fresh_database: str, migrations_dir: Path) -> None:
    MigrationRunner(fresh_database, migrations_dir).up()
    with psycopg.connect(fresh_database) as conn:
        rows = conn.execute(
            "SELECT relname, relrowsecurity FROM pg_class "
            "WHERE relname IN ('_yoyo_migration', '_tripsage_migration_checksum')"
        ).fetchall()
    assert dict(rows) == {"_yoyo_migration": True, "_tripsage_migration_checksum": True}


def test_urls_are_converted_and_redacted() -> None:
    assert to_yoyo_url("postgresql://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert to_yoyo_url("postgres://h/d") == "postgresql+psycopg://h/d"
    assert redact_url("postgresql://u:s3cret@h/d") == "postgresql://u:***@h/d"
    with pytest.raises(MigrationError, match="unsupported"):
        to_yoyo_url("mysql://h/d")


def test_repository_migrations_round_trip(fresh_database: str, tmp_path: Path) -> None:
    directory = tmp_path / "repo"
    shutil.copytree(REPO_MIGRATIONS, directory)
    runner = MigrationRunner(fresh_database, directory)

    assert "20261126_01_extensions" in runner.up()
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT auth.uid()").fetchone() == (None,)
        conn.execute("SELECT set_config('request.jwt.claim.sub', 'user-42', true)")
        assert conn.execute("SELECT auth.uid()").fetchone() == ("user-42",)
        assert conn.execute("SELECT gen_random_uuid() IS NOT NULL").fetchone() == (True,)
    runner.down("0")
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regnamespace('auth')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (0,)
    assert runner.up() != []


def _apply_then_roll_back_the_repository_migrations(database: str, tmp_path: Path) -> None:
    directory = tmp_path / "repo"
    shutil.copytree(REPO_MIGRATIONS, directory)
    runner = MigrationRunner(database, directory)
    runner.up()
    runner.down("0")


def test_rollback_keeps_a_preexisting_supabase_style_auth_schema(fresh_database: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_database) as conn:
        conn.execute("CREATE SCHEMA auth")
        conn.execute("CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid'")

    _apply_then_roll_back_the_repository_migrations(fresh_database, tmp_path)

    with psycopg.connect(fresh_database) as conn:
        returns = conn.execute("SELECT pg_get_function_result(to_regprocedure('auth.uid()'))").fetchone()
    assert returns == ("uuid",)


def test_rollback_keeps_an_extension_that_was_there_before(fresh_database: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_database) as conn:
        conn.execute("CREATE EXTENSION vector")

    _apply_then_roll_back_the_repository_migrations(fresh_database, tmp_path)

    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (1,)
