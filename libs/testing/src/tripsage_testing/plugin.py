"""Pytest plugin: real Postgres and Redis for tests, embedded unless external URLs are given.

Session servers are per process, so each pytest-xdist worker gets its own.
Set `TRIPSAGE_TEST_DATABASE_URL` / `TRIPSAGE_TEST_REDIS_URL` to use servers you run yourself.
`sandbox` is the provider sandbox (one process per session), reset around each test.
`migrated_database` applies `TRIPSAGE_TEST_MIGRATIONS_DIR` (default: <rootdir>/deploy/migrations).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from psycopg import sql

from tripsage_testing.ports import free_port
from tripsage_testing.postgres import EmbeddedPostgres, EmbeddedPostgresError
from tripsage_testing.redis import RedisServer, RedisServerError
from tripsage_testing.sandbox import RunningSandbox, SandboxControl, running_sandbox

DATABASE_URL_ENV = "TRIPSAGE_TEST_DATABASE_URL"
REDIS_URL_ENV = "TRIPSAGE_TEST_REDIS_URL"
MIGRATIONS_DIR_ENV = "TRIPSAGE_TEST_MIGRATIONS_DIR"

_Server = TypeVar("_Server", EmbeddedPostgres, RedisServer)


@pytest.fixture(scope="session")
def _tripsage_embedded_postgres() -> Iterator[EmbeddedPostgres | None]:
    if os.environ.get(DATABASE_URL_ENV):
        yield None
        return
    # mkdtemp under /tmp rather than pytest's 0700 basetemp, which the unprivileged server user
    # (when we are root) could not traverse.
    root = Path(tempfile.mkdtemp(prefix="tripsage-pg-"))
    server = _start_on_a_free_port(lambda port: EmbeddedPostgres(root / "data", port, durable=False))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def _tripsage_redis_server() -> Iterator[RedisServer | None]:
    if os.environ.get(REDIS_URL_ENV):
        yield None
        return
    server = _start_on_a_free_port(RedisServer)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_dsn(_tripsage_embedded_postgres: EmbeddedPostgres | None) -> str:
    """URL of the test database: `TRIPSAGE_TEST_DATABASE_URL`, else the session's embedded Postgres."""
    if _tripsage_embedded_postgres is None:
        return os.environ[DATABASE_URL_ENV]
    return _tripsage_embedded_postgres.dsn


@pytest.fixture(scope="session")
def redis_url(_tripsage_redis_server: RedisServer | None) -> str:
    """URL of the test Redis: `TRIPSAGE_TEST_REDIS_URL`, else the session's redis-server."""
    if _tripsage_redis_server is None:
        return os.environ[REDIS_URL_ENV]
    return _tripsage_redis_server.url


@pytest.fixture
def empty_redis(redis_url: str) -> str:
    """The session's Redis, emptied: a test's cache hits and misses are its own."""
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
    return redis_url


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """One provider sandbox process for the session, started when a test first needs it."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def sandbox_provider() -> str | None:
    """The provider `sandbox.fault()` and `sandbox.calls()` address by default; a suite's conftest overrides it."""
    return None


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox, sandbox_provider: str | None) -> Iterator[SandboxControl]:
    """The session's sandbox with no fault armed and its call counters at zero, before and after the test."""
    control = SandboxControl(sandbox_process, provider=sandbox_provider)
    control.reset()
    yield control
    control.reset()


def _running_again_after(server: _Server | None, env: str, what: str) -> Iterator[_Server]:
    if server is None:
        pytest.skip(f"{env} points at an external {what} that tests cannot stop/start")
    yield server
    if not server.is_running():
        server.start()


@pytest.fixture
def postgres_server(_tripsage_embedded_postgres: EmbeddedPostgres | None) -> Iterator[EmbeddedPostgres]:
    """The session's embedded Postgres, to stop()/start() on the same port; running again afterwards."""
    yield from _running_again_after(_tripsage_embedded_postgres, DATABASE_URL_ENV, "Postgres")


@pytest.fixture
def redis_server(_tripsage_redis_server: RedisServer | None) -> Iterator[RedisServer]:
    """The session's redis-server, to stop()/start() on the same port; running again afterwards."""
    yield from _running_again_after(_tripsage_redis_server, REDIS_URL_ENV, "Redis")


@pytest.fixture
def fresh_database(postgres_dsn: str) -> Iterator[str]:
    """URL of a new, empty database (copied from template1) that is dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _create_database(postgres_dsn, name, template="template1")
    try:
        yield _with_database(postgres_dsn, name)
    finally:
        _drop_database(postgres_dsn, name)


@pytest.fixture(scope="session")
def _tripsage_migrated_template(postgres_dsn: str, pytestconfig: pytest.Config) -> Iterator[str]:
    from tripsage_db.migrations import MigrationRunner

    directory = Path(os.environ.get(MIGRATIONS_DIR_ENV) or pytestconfig.rootpath / "deploy" / "migrations")
    name = f"template_{uuid.uuid4().hex[:16]}"
    _create_database(postgres_dsn, name, template="template1")
    try:
        MigrationRunner(_with_database(postgres_dsn, name), directory).up()
        yield name
    finally:
        _drop_database(postgres_dsn, name)


@pytest.fixture
def migrated_database(postgres_dsn: str, _tripsage_migrated_template: str) -> Iterator[str]:
    """URL of a new database with every migration applied (copied from a per-session template), dropped after."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _create_database(postgres_dsn, name, template=_tripsage_migrated_template)
    try:
        yield _with_database(postgres_dsn, name)
    finally:
        _drop_database(postgres_dsn, name)


def _start_on_a_free_port(make: Callable[[int], _Server], attempts: int = 3) -> _Server:
    # free_port() cannot reserve the port: another xdist worker may grab it before the server binds.
    for attempt in range(attempts):
        server = make(free_port())
        try:
            server.start()
            return server
        except (EmbeddedPostgresError, RedisServerError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _create_database(dsn: str, name: str, *, template: str) -> None:
    with psycopg.connect(_with_database(dsn, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))


def _drop_database(dsn: str, name: str) -> None:
    # A test that stopped the server must not turn the drop into a second failure.
    try:
        with psycopg.connect(_with_database(dsn, "postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.OperationalError:
        pass


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))
