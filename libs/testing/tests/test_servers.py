"""The embedded servers and the fixtures built on them, exercised for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from tripsage_testing import EmbeddedPostgres, RedisServer, RedisServerError, free_port
from tripsage_testing.postgres import EmbeddedPostgresError


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    # Outside pytest's 0700 basetemp so an unprivileged server user (when we are root) can reach it.
    path = Path(tempfile.mkdtemp(prefix="tripsage-test-"))
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 1024 < port < 65536


def test_redis_server_comes_back_on_the_same_port(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_timeout=1, retry_on_timeout=False)
    client.set("k", "v")
    port = redis_server.port

    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    redis_server.start()

    assert redis_server.port == port
    assert client.ping() is True
    assert client.get("k") is None  # no persistence: a restart starts empty
    client.close()


def test_redis_start_fails_clearly_when_the_port_is_taken(redis_server: RedisServer) -> None:
    intruder = RedisServer(redis_server.port)

    with pytest.raises(RedisServerError, match="exited"):
        intruder.start()
    assert not intruder.is_running()
    client = redis.Redis.from_url(redis_server.url)
    assert client.ping() is True
    client.close()


def test_redis_url_fixture_points_at_a_live_server(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    assert client.ping() is True
    client.close()


def test_missing_redis_server_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RedisServerError, match="apt-get install redis-server"):
        RedisServer(free_port()).start()


def test_postgres_dsn_has_the_tripsage_database(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("tripsage",)


def test_postgres_server_restarts_on_the_same_port(postgres_server: EmbeddedPostgres) -> None:
    postgres_server.stop()
    assert not postgres_server.is_running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.dsn, connect_timeout=1)

    postgres_server.start()

    with psycopg.connect(postgres_server.dsn) as conn:
        assert conn.execute("SELECT current_setting('port')::int").fetchone() == (postgres_server.port,)


def test_server_never_runs_as_root(postgres_server: EmbeddedPostgres) -> None:
    postmaster_pid = int((postgres_server.data_dir / "postmaster.pid").read_text().splitlines()[0])
    assert psutil.Process(postmaster_pid).uids().effective != 0
    if os.geteuid() != 0:
        assert psutil.Process(postmaster_pid).uids().effective == os.geteuid()


def test_fresh_database_is_separate_and_empty(fresh_database: str, postgres_dsn: str) -> None:
    with psycopg.connect(fresh_database) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        conn.execute("CREATE TABLE scratch (id int)")
    assert name is not None
    assert name[0].startswith("test_")
    assert tables == (0,)
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT to_regclass('scratch')").fetchone() == (None,)


def test_embedded_postgres_initialises_once_and_reuses_data(scratch_dir: Path) -> None:
    server = EmbeddedPostgres(scratch_dir / "data", free_port(), durable=False)
    with server:
        # initdb writes PG_VERSION; a second initdb would write it again (a new inode and time).
        initialised = (scratch_dir / "data" / "PG_VERSION").stat()
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v int)")
            conn.execute("INSERT INTO kept VALUES (5)")
    with server, psycopg.connect(server.dsn) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (5,)
        reused = (scratch_dir / "data" / "PG_VERSION").stat()
    assert (reused.st_ino, reused.st_mtime_ns) == (initialised.st_ino, initialised.st_mtime_ns)


def test_embedded_postgres_refuses_non_loopback_host(scratch_dir: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmbeddedPostgres(scratch_dir / "data", free_port(), host="0.0.0.0")


def test_start_failure_reports_the_server_log(scratch_dir: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        server = EmbeddedPostgres(scratch_dir / "data", blocker.getsockname()[1], start_timeout=10)
        with pytest.raises(EmbeddedPostgresError, match="server log"):
            server.start()


def test_foreground_postgres_stops_fast_on_sigterm_despite_open_transaction(scratch_dir: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tripsage_testing.postgres",
            "--data-dir",
            str(scratch_dir / "data"),
            "--port",
            str(port),
        ],
    )
    dsn = f"postgresql://postgres@127.0.0.1:{port}/tripsage"
    try:
        conn = _connect_within(dsn, seconds=60, process=process)
        conn.execute("BEGIN")  # a "smart" shutdown would wait for this client forever
        conn.execute("SELECT 1")

        process.send_signal(signal.SIGTERM)
        # A smart shutdown never ends while the transaction is open; a fast one ends well within a minute however
        # busy the machine (wait raises TimeoutExpired otherwise).
        returncode = process.wait(timeout=60)

        assert returncode == 0
        conn.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _connect_within(dsn: str, *, seconds: float, process: subprocess.Popen[bytes]) -> psycopg.Connection:
    deadline = time.monotonic() + seconds
    while True:
        try:
            # The tripsage database is created right after the server accepts connections.
            return psycopg.connect(dsn, connect_timeout=1, autocommit=True)
        except psycopg.OperationalError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.1)


def test_foreground_redis_serves_until_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tripsage_testing.redis", "--port", str(port)])
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    try:
        deadline = time.monotonic() + 60  # how soon it starts depends on the machine's load
        while True:
            try:
                assert client.ping() is True
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0
    finally:
        client.close()
        if process.poll() is None:
            process.kill()
            process.wait()


def test_migrated_database_has_the_repository_migrations(migrated_database: str) -> None:
    with psycopg.connect(migrated_database) as conn:
        applied = conn.execute("SELECT migration_id FROM _yoyo_migration").fetchall()
        vector = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone()
    assert ("20261126_01_extensions",) in applied
    assert vector == (1,)
