"""Numbered SQL migrations on yoyo-migrations, with checksums and a Postgres advisory lock.

Files: `YYYYMMDD_NN_name.sql`, each with `YYYYMMDD_NN_name.rollback.sql`. yoyo runs each file in one
transaction (a failing file leaves nothing behind) and records applied ids in `_yoyo_migration`.
On top of yoyo we add:

- a SHA-256 of every applied file in `_tripsage_migration_checksum`, written in the same
  transaction as yoyo's record; an applied file that changed (or vanished) later stops `up`/`down`;
- `pg_advisory_lock(MIGRATION_LOCK_KEY)` held by every command for its whole run, so concurrent
  runners (pods) queue up and the later ones find nothing left to do. Session advisory locks need a direct or
  session-mode connection: point the runner at Supabase's port 5432, not the 6543 transaction pooler.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog
from yoyo import read_migrations
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import parse_uri
from yoyo.migrations import Migration, MigrationList, default_migration_table

log = structlog.get_logger(__name__)

# Arbitrary but fixed: every runner of every version must agree on it.
MIGRATION_LOCK_KEY = 7_205_118_440_318_562_901
_NAME_PATTERN = re.compile(r"^(?P<version>\d{8}_\d{2})_[a-z0-9_]+$")
_ALL = {"0", "base"}


class MigrationError(Exception):
    """A migration run was refused or failed; the message is safe to show (no credentials)."""


class ChecksumMismatch(MigrationError):
    """Applied migration files changed or disappeared after they were applied."""


class MigrationFailed(MigrationError):
    """A migration's SQL failed; its transaction was rolled back."""


@dataclass(frozen=True)
class MigrationStatus:
    """One migration as the database sees it: `state` is applied, pending, modified or missing."""

    id: str
    state: str


def to_yoyo_url(database_url: str) -> str:
    """Map `postgres://` / `postgresql://` URLs to yoyo's psycopg 3 backend scheme."""
    parts = urlsplit(database_url)
    if parts.scheme in {"postgres", "postgresql"}:
        return urlunsplit(parts._replace(scheme="postgresql+psycopg"))
    if parts.scheme == "postgresql+psycopg":
        return database_url
    raise MigrationError(f"unsupported database URL scheme {parts.scheme!r}; use postgresql://")


def redact_url(database_url: str) -> str:
    """The URL with its password replaced by `***`, for messages."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def file_checksum(path: Path) -> str:
    """SHA-256 of a migration file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _ChecksummingBackend(PostgresqlPsycopgBackend):  # type: ignore[misc]
    """yoyo's psycopg 3 backend that records each file's checksum alongside yoyo's own record."""

    def mark_one(self, migration: Migration, log: bool = True) -> None:
        super().mark_one(migration, log=log)
        self.execute(
            "INSERT INTO _tripsage_migration_checksum (migration_id, sha256) VALUES (:id, :sha256) "
            "ON CONFLICT (migration_id) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()",
            {"id": migration.id, "sha256": file_checksum(Path(migration.path))},
        )

    def unmark_one(self, migration: Migration, log: bool = True) -> None:
        super().unmark_one(migration, log=log)
        self.execute("DELETE FROM _tripsage_migration_checksum WHERE migration_id = :id", {"id": migration.id})


class MigrationRunner:
    """Applies, rolls back and reports the migrations in `migrations_dir` against `database_url`."""

    def __init__(self, database_url: str, migrations_dir: Path, *, lock_timeout_seconds: float = 300.0) -> None:
        self._yoyo_url = to_yoyo_url(database_url)
        self._password = urlsplit(database_url).password
        self.migrations_dir = Path(migrations_dir)
        self.lock_timeout_seconds = lock_timeout_seconds

    def up(self) -> list[str]:
        """Apply every pending migration in order; return the ids applied (empty when up to date)."""
        with self._backend() as backend:
            migrations = self._verified_migrations(backend)
            pending = list(backend.to_apply(migrations))
            for migration in pending:
                self._run(backend, migration, "apply")
            return [m.id for m in pending]

    def down(self, to: str) -> list[str]:
        """Roll back every applied migration after version `to` (`0` for all); return the ids rolled back."""
        with self._backend() as backend:
            migrations = self._verified_migrations(backend)
            targets = self._rollback_targets(backend, migrations, to)
            for migration in targets:
                self._run(backend, migration, "rollback")
            return [m.id for m in targets]

    def plan_up(self) -> list[str]:
        """Ids `up` would apply, without applying them."""
        with self._backend() as backend:
            migrations = self._verified_migrations(backend)
            return [m.id for m in backend.to_apply(migrations)]

    def plan_down(self, to: str) -> list[str]:
        """Ids `down(to)` would roll back, in order, without rolling back."""
        with self._backend() as backend:
            migrations = self._verified_migrations(backend)
            return [m.id for m in self._rollback_targets(backend, migrations, to)]

    def status(self) -> list[MigrationStatus]:
        """Every migration file (and applied id without a file) with its state, in version order."""
        with self._backend() as backend:
            migrations = self._read_migrations()
            applied = self._applied_ids(backend)
            problems = self._checksum_problems(backend, migrations)
            result = [
                MigrationStatus(m.id, problems.get(m.id) or ("applied" if m.id in applied else "pending"))
                for m in migrations
            ]
            result += [MigrationStatus(i, "missing") for i in sorted(applied - {m.id for m in migrations})]
            return result

    @contextmanager
    def _backend(self) -> Iterator[Any]:
        """A yoyo backend holding the migration lock; even reads take it, to see no half-done run."""
        try:
            backend = _ChecksummingBackend(parse_uri(self._yoyo_url), default_migration_table)
            backend.init_database()
        except backend_errors() as exc:
            raise MigrationError(f"cannot connect to the database: {self._scrub(exc)}") from None
        try:
            self._take_lock(backend)
            try:
                # Under the lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin.
                backend.execute(
                    "CREATE TABLE IF NOT EXISTS _tripsage_migration_checksum (migration_id text PRIMARY KEY, "
                    "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                backend.ensure_internal_schema_updated()
                _harden_bookkeeping(backend)
                yield backend
            finally:
                backend.execute("SELECT pg_advisory_unlock(:key)", {"key": MIGRATION_LOCK_KEY})
        finally:
            backend.connection.close()

    def _take_lock(self, backend: Any) -> None:
        got_it = backend.execute("SELECT pg_try_advisory_lock(:key)", {"key": MIGRATION_LOCK_KEY}).fetchone()[0]
        if got_it:
            return
        log.info("migration_lock_waiting", timeout_seconds=self.lock_timeout_seconds)
        backend.execute(f"SET lock_timeout = '{int(self.lock_timeout_seconds * 1000)}ms'")
        try:
            backend.execute("SELECT pg_advisory_lock(:key)", {"key": MIGRATION_LOCK_KEY})
        except backend_errors() as exc:
            raise MigrationError(f"could not take the migration lock: {self._scrub(exc)}") from None
        finally:
            backend.execute("RESET lock_timeout")

    def _read_migrations(self) -> MigrationList:
        if not self.migrations_dir.is_dir():
            raise MigrationError(f"migrations directory not found: {self.migrations_dir}")
        for path in self.migrations_dir.glob("*.sql"):
            stem = path.name.removesuffix(".rollback.sql").removesuffix(".sql")
            if not _NAME_PATTERN.match(stem):
                raise MigrationError(f"migration file name must look like YYYYMMDD_NN_name.sql: {path.name}")
        migrations = read_migrations(str(self.migrations_dir))
        for migration in migrations:
            if not Path(migration.path).with_suffix(".rollback.sql").exists():
                raise MigrationError(f"{migration.id} has no rollback file {migration.id}.rollback.sql")
        return migrations

    def _verified_migrations(self, backend: Any) -> MigrationList:
        migrations = self._read_migrations()
        problems = self._checksum_problems(backend, migrations)
        missing = self._applied_ids(backend) - {m.id for m in migrations}
        problems.update(dict.fromkeys(missing, "missing"))
        if problems:
            details = ", ".join(f"{i} ({state})" for i, state in sorted(problems.items()))
            raise ChecksumMismatch(
                f"applied migrations differ from their files: {details}. Never edit or delete an "
                "applied migration; restore the file and add a new migration instead."
            )
        return migrations

    def _checksum_problems(self, backend: Any, migrations: MigrationList) -> dict[str, str]:
        rows = backend.execute("SELECT migration_id, sha256 FROM _tripsage_migration_checksum").fetchall()
        recorded = {row[0]: row[1] for row in rows}
        return {
            m.id: "modified" for m in migrations if m.id in recorded and recorded[m.id] != file_checksum(Path(m.path))
        }

    def _applied_ids(self, backend: Any) -> set[str]:
        backend.ensure_internal_schema_updated()
        rows = backend.execute("SELECT migration_id FROM _yoyo_migration").fetchall()
        return {row[0] for row in rows}

    def _rollback_targets(self, backend: Any, migrations: MigrationList, to: str) -> list[Migration]:
        target = self._resolve_version(migrations, to)
        return [m for m in backend.to_rollback(migrations) if target is None or _version(m.id) > target]

    def _resolve_version(self, migrations: MigrationList, to: str) -> str | None:
        if to in _ALL:
            return None
        matches = {_version(m.id) for m in migrations if m.id == to or _version(m.id) == to}
        if not matches:
            raise MigrationError(f"unknown migration version {to!r}; use an id, its YYYYMMDD_NN prefix, or 0")
        return matches.pop()

    def _run(self, backend: Any, migration: Migration, direction: str) -> None:
        try:
            if direction == "apply":
                backend.apply_one(migration)
            else:
                backend.rollback_one(migration)
        except backend_errors() as exc:
            log.error("migration_failed", migration=migration.id, direction=direction, error=self._scrub(exc))
            raise MigrationFailed(
                f"{direction} {migration.id} failed and was rolled back: {self._scrub(exc)}"
            ) from None
        log.info("migration_done", migration=migration.id, direction=direction)

    def _scrub(self, exc: BaseException) -> str:
        message = str(exc).strip()
        if self._password:
            message = message.replace(self._password, "***")
        return message


def backend_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the database refused or failed a statement or connection."""
    import psycopg

    return (psycopg.Error,)


def _version(migration_id: str) -> str:
    match = _NAME_PATTERN.match(migration_id)
    assert match is not None  # names were validated when read
    return match.group("version")


def _harden_bookkeeping(backend: Any) -> None:
    # On Supabase every table in `public` is reachable through the Data API by the anon and
    # authenticated roles; the migration bookkeeping must not be. RLS without policies plus
    # revoked grants closes it; the owner (this runner) is unaffected. (No '%' here: yoyo passes
    # an empty parameter dict, so psycopg would read it as a placeholder.)
    backend.execute(
        """
        DO $$
        DECLARE t text; r text;
        BEGIN
          FOREACH t IN ARRAY ARRAY['_yoyo_migration', '_yoyo_log', '_yoyo_version', 'yoyo_lock',
                                   '_tripsage_migration_checksum'] LOOP
            CONTINUE WHEN to_regclass(quote_ident(t)) IS NULL;
            -- Only when needed: ALTER TABLE takes an exclusive lock another runner may be waiting on.
            IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(quote_ident(t))) THEN
              EXECUTE 'ALTER TABLE ' || quote_ident(t) || ' ENABLE ROW LEVEL SECURITY';
            END IF;
            FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
                 AND has_table_privilege(r, to_regclass(quote_ident(t)),
                                         'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') THEN
                EXECUTE 'REVOKE ALL ON ' || quote_ident(t) || ' FROM ' || quote_ident(r);
              END IF;
            END LOOP;
          END LOOP;
        END $$
        """
    )
