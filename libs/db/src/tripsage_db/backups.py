"""Logical backups of the application schemas: `pg_dump --format=custom`, a SHA-256 beside each dump, retention.

A backup is two files in one directory (a volume in the cluster, a temporary directory in the drill):

    tripsage-20261205T093000Z.dump          pg_dump's custom format: schema, rows, RLS policies, index definitions
    tripsage-20261205T093000Z.dump.sha256   "<hex>  <file name>", the format `sha256sum -c` checks

The dump is written under a `.partial` name and renamed only once pg_dump has exited 0 and its checksum is on disk,
so a backup interrupted halfway is never listed, restored or counted by retention.

pg_dump must be at least the server's major version, so the binaries are taken from `pg_bin` when given (the
embedded Postgres's own, or a client copied beside the tool) and from `PATH` otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

PREFIX = "tripsage-"
SUFFIX = ".dump"
CHECKSUM_SUFFIX = ".sha256"
# What TripSage owns: its tables (public), the auth.uid() stand-in on plain Postgres (auth), and the extensions its
# columns and indexes need, so a restore into an empty database recreates them before the tables.
APPLICATION_SCHEMAS: tuple[str, ...] = ("public", "auth")
APPLICATION_EXTENSIONS: tuple[str, ...] = ("vector", "pgcrypto")
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(rf"^{re.escape(PREFIX)}(\d{{8}}T\d{{6}}Z)(?:-(\d+))?{re.escape(SUFFIX)}$")
_HASH_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A dump, restore or checksum check failed; the message never carries the database URL."""


@dataclass(frozen=True, slots=True)
class Backup:
    """One completed dump and what is recorded about it."""

    path: Path
    taken_at: dt.datetime
    sha256: str
    size_bytes: int

    @property
    def checksum_path(self) -> Path:
        return self.path.with_name(self.path.name + CHECKSUM_SUFFIX)


def take_backup(
    *,
    database_url: str,
    target_dir: Path,
    pg_bin: Path | None = None,
    schemas: Sequence[str] = APPLICATION_SCHEMAS,
    extensions: Sequence[str] = APPLICATION_EXTENSIONS,
    now: dt.datetime | None = None,
) -> Backup:
    """Dump the application schemas into `target_dir` under a timestamped name and record its SHA-256 beside it."""
    taken_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    target_dir.mkdir(parents=True, exist_ok=True)
    final = _free_name(target_dir, taken_at)
    partial = final.with_name(final.name + ".partial")
    command = [_binary("pg_dump", pg_bin), "--format=custom", "--compress=6", f"--file={partial}"]
    command += [f"--schema={schema}" for schema in schemas]
    command += [f"--extension={extension}" for extension in extensions]
    try:
        _run(command, database_url, what="pg_dump")
        partial.chmod(0o600)  # personal data: only the backup's owner reads it, like its checksum file
        digest = file_sha256(partial)
        checksum = final.with_name(final.name + CHECKSUM_SUFFIX)
        _write_atomically(checksum, f"{digest}  {final.name}\n")
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(final, taken_at, digest, final.stat().st_size)


def restore_backup(backup: Path, *, database_url: str, pg_bin: Path | None = None) -> None:
    """Check the dump's recorded SHA-256, then `pg_restore` it in one transaction (into an empty database)."""
    verify_checksum(backup)
    # --clean --if-exists: the dump names schema public, which every new database already has (an empty one is dropped
    # and recreated). --no-owner: the restoring role owns everything (roles belong to a cluster, not to a dump).
    command = [_binary("pg_restore", pg_bin), "--exit-on-error", "--single-transaction", "--clean", "--if-exists"]
    command += ["--no-owner", str(backup)]
    _run(command, database_url, what="pg_restore")


def verify_checksum(backup: Path) -> str:
    """The dump's SHA-256 if it matches the one recorded beside it; BackupError otherwise."""
    checksum = backup.with_name(backup.name + CHECKSUM_SUFFIX)
    try:
        recorded, name = checksum.read_text().split()
    except (OSError, ValueError):
        raise BackupError(f"no readable checksum beside {backup.name}") from None
    actual = file_sha256(backup)
    if name != backup.name or recorded != actual:
        raise BackupError(f"{backup.name}: SHA-256 {actual} differs from the recorded {recorded}")
    return actual


def list_backups(target_dir: Path) -> list[Backup]:
    """Completed backups in `target_dir` (a dump and its checksum), oldest first."""
    found: list[tuple[int, Backup]] = []
    for path in target_dir.glob(f"{PREFIX}*{SUFFIX}"):
        match = _NAME.match(path.name)
        checksum = path.with_name(path.name + CHECKSUM_SUFFIX)
        if match is None or not checksum.exists():
            continue
        taken_at = dt.datetime.strptime(match.group(1), _STAMP_FORMAT).replace(tzinfo=dt.UTC)
        recorded = checksum.read_text().split()[0] if checksum.stat().st_size else ""
        found.append((int(match.group(2) or 0), Backup(path, taken_at, recorded, path.stat().st_size)))
    return [backup for _, backup in sorted(found, key=lambda entry: (entry[1].taken_at, entry[0]))]


def prune_backups(
    target_dir: Path, *, keep_last: int, max_age: dt.timedelta, now: dt.datetime | None = None
) -> list[Backup]:
    """Delete backups older than `max_age`, never the newest `keep_last`; returns what was deleted.

    Count and age both hold: a stopped schedule never ages the last good backups away, and a schedule that runs
    more often than planned never fills the volume with old ones.
    """
    if keep_last < 1:
        raise ValueError("keep_last must be at least 1: retention never deletes the newest backup")
    cutoff = (now or dt.datetime.now(dt.UTC)) - max_age
    backups = list_backups(target_dir)
    expired = [backup for backup in backups[: max(0, len(backups) - keep_last)] if backup.taken_at < cutoff]
    for backup in expired:
        backup.path.unlink(missing_ok=True)
        backup.checksum_path.unlink(missing_ok=True)
    return expired


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks (a dump may be larger than memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _free_name(target_dir: Path, taken_at: dt.datetime) -> Path:
    # Two runs within one second (a manual run beside the schedule) get -1, -2… instead of overwriting.
    stem = f"{PREFIX}{taken_at.strftime(_STAMP_FORMAT)}"
    candidate, n = target_dir / f"{stem}{SUFFIX}", 0
    while candidate.exists() or candidate.with_name(candidate.name + ".partial").exists():
        n += 1
        candidate = target_dir / f"{stem}-{n}{SUFFIX}"
    return candidate


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as stream:
        stream.write(text)
    Path(stream.name).rename(path)


def _binary(name: str, pg_bin: Path | None) -> str:
    if pg_bin is not None:
        return str(pg_bin / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH; pass the directory of the Postgres client binaries")
    return found


def _run(command: list[str], database_url: str, *, what: str) -> None:
    # The password goes by environment (PGPASSWORD), never on the command line where `ps` shows it to every user.
    address, password = _without_password(database_url)
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    result = subprocess.run(  # noqa: S603 - our binaries, arguments built above
        [*command, f"--dbname={address}"],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        stderr = result.stderr.replace(password, "***") if password else result.stderr
        raise BackupError(f"{what} failed ({result.returncode}): {stderr[-2000:]}")


def _without_password(database_url: str) -> tuple[str, str | None]:
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url, None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = f"{parts.username or ''}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)
