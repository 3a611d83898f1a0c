"""`python -m tripsage_db.backup` / `tripsage-backup`: take, prune, verify and restore logical backups.

The Kubernetes CronJob runs `tripsage-backup take` (a dump, its checksum, then retention); the disaster-recovery drill
runs the same functions. Exit codes: 0 success, 1 failure (pg_dump, pg_restore, checksum), 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from tripsage_db.backups import BackupError, list_backups, prune_backups, restore_backup, take_backup, verify_checksum

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tripsage-backup", description="TripSage database backups.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument(
        "--dir", type=Path, default=_optional_path(os.environ.get("BACKUP_DIR")), help="default: $BACKUP_DIR"
    )
    parser.add_argument(
        "--pg-bin",
        type=Path,
        default=_optional_path(os.environ.get("PG_BIN_DIR")),
        help="directory of pg_dump/pg_restore (default: $PG_BIN_DIR, else PATH); at least the server's major version",
    )
    parser.add_argument("--keep-last", type=int, default=int(os.environ.get("BACKUP_KEEP_LAST", "7")))
    parser.add_argument("--max-age-days", type=float, default=float(os.environ.get("BACKUP_MAX_AGE_DAYS", "30")))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("take", help="dump the application schemas, record the SHA-256, then apply retention")
    commands.add_parser("prune", help="apply retention only")
    commands.add_parser("list", help="completed backups, oldest first")
    verify = commands.add_parser("verify", help="check a dump against its recorded SHA-256")
    verify.add_argument("dump", type=Path)
    restore = commands.add_parser("restore", help="verify, then pg_restore a dump into an empty database")
    restore.add_argument("dump", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    needs_url = args.command in ("take", "restore")
    needs_dir = args.command in ("take", "prune", "list")
    if (needs_url and not args.database_url) or (needs_dir and args.dir is None) or args.keep_last < 1:
        parser.print_usage(sys.stderr)
        print("error: needs --database-url (or DATABASE_URL), --dir (or BACKUP_DIR), --keep-last >= 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        _dispatch(args)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _dispatch(args: argparse.Namespace) -> None:
    if args.command == "take":
        backup = take_backup(database_url=args.database_url, target_dir=args.dir, pg_bin=args.pg_bin)
        print(f"took {backup.path.name} {backup.size_bytes} bytes sha256 {backup.sha256}")
    if args.command in ("take", "prune"):
        max_age = dt.timedelta(days=args.max_age_days)
        for gone in prune_backups(args.dir, keep_last=args.keep_last, max_age=max_age):
            print(f"pruned {gone.path.name}")
    elif args.command == "list":
        for backup in list_backups(args.dir):
            print(f"{backup.path.name} {backup.size_bytes} {backup.sha256}")
    elif args.command == "verify":
        print(f"ok {args.dump.name} sha256 {verify_checksum(args.dump)}")
    elif args.command == "restore":
        restore_backup(args.dump, database_url=args.database_url, pg_bin=args.pg_bin)
        print(f"restored {args.dump.name}")


if __name__ == "__main__":
    sys.exit(main())
