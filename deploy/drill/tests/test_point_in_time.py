"""Point-in-time recovery where Supabase PITR is not available: a base backup, archived WAL, replay to a target time.

On the embedded Postgres: archive every WAL segment, take `pg_basebackup`, write rows before and after a recorded
server timestamp, lose the server, then recover the base backup with `recovery_target_time` and prove the replay
stopped exactly there (docs/deployment.md, "Point in time").
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tripsage_testing import EmbeddedPostgres, free_port

ARCHIVE_TIMEOUT_S = 120.0


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Not pytest's tmp_path: a concurrent pytest run prunes old basetemps, data directories included.
    with tempfile.TemporaryDirectory(prefix="tripsage-pitr-") as directory:
        yield Path(directory)


def _archiving_primary(workdir: Path, archive: Path) -> EmbeddedPostgres:
    primary = EmbeddedPostgres(workdir / "primary", port=free_port())
    primary.start()  # initdb, so the settings below have a cluster to go into
    with psycopg.connect(primary.dsn_for("postgres"), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET archive_mode = on")
        # test ! -f: never overwrite a segment already archived (the command Postgres's documentation gives).
        conn.execute(f"ALTER SYSTEM SET archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'")
    # pg_basebackup connects for replication, which the loopback-only pg_hba.conf does not allow by default.
    with (primary.data_dir / "pg_hba.conf").open("a") as hba:
        hba.write(f"host replication all {primary.host}/32 trust\n")
    primary.stop()
    primary.start()  # archive_mode takes effect on restart only
    return primary


def _wait_until_archived(primary: EmbeddedPostgres) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    with psycopg.connect(primary.dsn, autocommit=True) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        segment = row[0]
        deadline = time.monotonic() + ARCHIVE_TIMEOUT_S
        while True:
            archived = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()
            if archived and archived[0] and archived[0] >= segment:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"WAL segment {segment} not archived within {ARCHIVE_TIMEOUT_S:.0f} s")
            time.sleep(0.1)


def _wait_until_promoted(server: EmbeddedPostgres) -> None:
    """Recovery accepts read-only connections before it reaches the target; promotion marks the end of replay."""
    deadline = time.monotonic() + ARCHIVE_TIMEOUT_S
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        while conn.execute("SELECT pg_is_in_recovery()").fetchone() != (False,):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still recovering after {ARCHIVE_TIMEOUT_S:.0f} s")
            time.sleep(0.1)


def test_replay_of_archived_wal_stops_at_the_target_time(workdir: Path) -> None:
    archive = workdir / "archive"
    archive.mkdir()
    archive.chmod(0o777)  # written by the server's user, which is not ours when we are root
    primary = _archiving_primary(workdir, archive)
    try:
        with psycopg.connect(primary.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE bookings (id int PRIMARY KEY, note text NOT NULL)")
        base = workdir / "restored"
        base.mkdir(mode=0o777)
        base.chmod(0o777)
        primary.run_tool("pg_basebackup", "--dbname", primary.dsn_for("postgres"), "-D", str(base), "-X", "stream")

        with psycopg.connect(primary.dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO bookings SELECT n, 'before' FROM generate_series(1, 50) n")
            target_row = conn.execute("SELECT clock_timestamp()").fetchone()
            conn.execute("INSERT INTO bookings SELECT n, 'after' FROM generate_series(51, 80) n")
            conn.execute("DELETE FROM bookings WHERE id <= 10")  # a mistake after the target, to be undone
        assert target_row is not None
        target = target_row[0]
        _wait_until_archived(primary)
    finally:
        primary.stop()

    # The primary is gone: only the base backup and the archive remain.
    base.chmod(0o700)  # Postgres refuses a data directory others can read
    (base / "recovery.signal").touch()
    with (base / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"restore_command = 'cp {archive}/%f %p'\n")
        conf.write(f"recovery_target_time = '{target.isoformat()}'\n")
        conf.write("recovery_target_action = 'promote'\n")
    recovered = EmbeddedPostgres(base, port=free_port())
    recovered.start()
    try:
        _wait_until_promoted(recovered)
        with psycopg.connect(recovered.dsn) as conn:
            notes = dict(conn.execute("SELECT note, count(*) FROM bookings GROUP BY note").fetchall())
    finally:
        recovered.stop()

    # Every row committed before the target, none after it, and the later delete undone.
    assert notes == {"before": 50}
    assert os.listdir(archive)
