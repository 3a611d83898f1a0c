"""Backups against the real embedded Postgres: dump, checksum, restore into an empty database, retention."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tripsage_db.backups import (
    BackupError,
    list_backups,
    prune_backups,
    restore_backup,
    take_backup,
    verify_checksum,
)
from tripsage_testing import client_bin_dir

NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def _fake_backup(directory: Path, taken_at: dt.datetime) -> Path:
    dump = directory / f"tripsage-{taken_at:%Y%m%dT%H%M%SZ}.dump"
    dump.write_bytes(b"dump")
    (directory / f"{dump.name}.sha256").write_text(f"{'0' * 64}  {dump.name}\n")
    return dump


def test_a_restored_backup_holds_the_same_rows_policies_and_extension(
    migrated_database: str, fresh_database: str, tmp_path: Path
) -> None:
    with psycopg.connect(migrated_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO trips (user_id, name, destination, start_date, end_date, travelers) "
            "VALUES ('alice', 'Kyoto', '\"Kyoto\"', '2027-04-01', '2027-04-05', 2)"
        )

    backup = take_backup(database_url=migrated_database, target_dir=tmp_path, pg_bin=client_bin_dir(), now=NOON)
    restore_backup(backup.path, database_url=fresh_database, pg_bin=client_bin_dir())

    assert backup.path.name == "tripsage-20261205T120000Z.dump"
    assert backup.checksum_path.read_text() == f"{backup.sha256}  {backup.path.name}\n"
    assert {backup.path.stat().st_mode & 0o777, backup.checksum_path.stat().st_mode & 0o777} == {0o600}
    with psycopg.connect(fresh_database) as conn:
        trips = conn.execute("SELECT user_id, name FROM trips").fetchall()
        policies = {row[0] for row in conn.execute("SELECT policyname FROM pg_policies WHERE schemaname = 'public'")}
        extensions = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
        uid = conn.execute("SELECT to_regprocedure('auth.uid()') IS NOT NULL").fetchone()
    assert trips == [("alice", "Kyoto")]
    assert {"trips_owner", "trip_items_owner"} <= policies
    assert "vector" in extensions
    assert uid == (True,)


def test_a_dump_that_differs_from_its_recorded_checksum_is_refused(
    migrated_database: str, fresh_database: str, tmp_path: Path
) -> None:
    backup = take_backup(database_url=migrated_database, target_dir=tmp_path, pg_bin=client_bin_dir())
    with backup.path.open("r+b") as stream:
        stream.seek(backup.size_bytes // 2)
        stream.write(b"\x00corrupt\x00")

    with pytest.raises(BackupError, match="differs from the recorded"):
        restore_backup(backup.path, database_url=fresh_database, pg_bin=client_bin_dir())
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regclass('public.trips')").fetchone() == (None,)


def test_two_backups_in_one_second_both_keep_their_files(migrated_database: str, tmp_path: Path) -> None:
    first = take_backup(database_url=migrated_database, target_dir=tmp_path, pg_bin=client_bin_dir(), now=NOON)
    second = take_backup(database_url=migrated_database, target_dir=tmp_path, pg_bin=client_bin_dir(), now=NOON)

    assert [b.path.name for b in list_backups(tmp_path)] == [first.path.name, second.path.name]
    assert verify_checksum(first.path) == first.sha256
    assert verify_checksum(second.path) == second.sha256


def test_a_failed_dump_leaves_no_partial_file_and_does_not_leak_the_password(tmp_path: Path) -> None:
    url = "postgresql://postgres:s3cret-pw@127.0.0.1:1/tripsage"

    with pytest.raises(BackupError) as failure:
        take_backup(database_url=url, target_dir=tmp_path, pg_bin=client_bin_dir())

    assert "s3cret-pw" not in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def test_retention_deletes_only_backups_past_the_age_and_beyond_the_count(tmp_path: Path) -> None:
    days = [_fake_backup(tmp_path, NOON - dt.timedelta(days=age)) for age in (40, 35, 31, 10, 1)]
    unfinished = tmp_path / "tripsage-20261205T130000Z.dump.partial"
    unfinished.write_bytes(b"half")

    gone = prune_backups(tmp_path, keep_last=3, max_age=dt.timedelta(days=30), now=NOON)

    # 40 and 35 days old go; 31 is old too but among the newest three, which are always kept.
    assert [b.path for b in gone] == days[:2]
    assert [b.path for b in list_backups(tmp_path)] == days[2:]
    assert not (tmp_path / f"{days[0].name}.sha256").exists()
    assert unfinished.exists()


def test_retention_keeps_old_backups_when_no_new_ones_came(tmp_path: Path) -> None:
    old = [_fake_backup(tmp_path, NOON - dt.timedelta(days=age)) for age in (90, 60)]

    assert prune_backups(tmp_path, keep_last=2, max_age=dt.timedelta(days=30), now=NOON) == []
    assert [b.path for b in list_backups(tmp_path)] == old


def test_cli_takes_lists_and_verifies_a_backup(migrated_database: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": migrated_database, "BACKUP_DIR": str(tmp_path), "PG_BIN_DIR": str(client_bin_dir())}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tripsage_db.backup", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", **env},
            check=False,
        )

    took, listed = cli("take"), cli("list")
    (dump,) = tmp_path.glob("*.dump")
    verified, usage = cli("verify", str(dump)), cli("--keep-last", "0", "take")

    assert (took.returncode, listed.returncode, verified.returncode, usage.returncode) == (0, 0, 0, 2), took.stderr
    assert took.stdout.startswith(f"took {dump.name} ")
    assert listed.stdout.split()[0] == dump.name
    assert verified.stdout.startswith(f"ok {dump.name} sha256 ")
