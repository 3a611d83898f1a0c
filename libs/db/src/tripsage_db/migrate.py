"""`python -m tripsage_db.migrate` / `tripsage-migrate`: apply, roll back and inspect migrations.

Exit codes: 0 success, 1 failure (database, checksum, SQL), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import structlog

from tripsage_db.migrations import MigrationError, MigrationRunner

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tripsage-migrate", description="TripSage database migrations.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="postgresql://user:password@host:port/db (default: $DATABASE_URL)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("MIGRATIONS_DIR", "deploy/migrations")),
        help="migrations directory (default: $MIGRATIONS_DIR or deploy/migrations)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="apply all pending migrations")
    down = commands.add_parser("down", help="roll back every migration after a version")
    down.add_argument("--to", required=True, metavar="VERSION", help="migration id, YYYYMMDD_NN, or 0 for all")
    commands.add_parser("status", help="list migrations as applied / pending / modified / missing")
    dry_run = commands.add_parser("dry-run", help="print what up (or down --to) would do, changing nothing")
    dry_run.add_argument("--to", metavar="VERSION", help="plan a rollback to VERSION instead of up")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    # Progress events go to stderr so stdout carries only the command's own answer.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    if not args.database_url:
        parser.print_usage(sys.stderr)
        print("error: no database URL: pass --database-url or set DATABASE_URL", file=sys.stderr)
        return EXIT_USAGE
    try:
        runner = MigrationRunner(args.database_url, args.dir)
        _dispatch(runner, args)
    except MigrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _dispatch(runner: MigrationRunner, args: argparse.Namespace) -> None:
    if args.command == "up":
        _print_ids("applied", runner.up(), nothing="nothing to apply: database is up to date")
    elif args.command == "down":
        _print_ids("rolled back", runner.down(args.to), nothing=f"nothing to roll back after {args.to}")
    elif args.command == "status":
        for migration in runner.status():
            print(f"{migration.state:<8} {migration.id}")
    elif args.to is not None:
        _print_ids("would roll back", runner.plan_down(args.to), nothing=f"nothing to roll back after {args.to}")
    else:
        _print_ids("would apply", runner.plan_up(), nothing="nothing to apply: database is up to date")


def _print_ids(verb: str, ids: list[str], *, nothing: str) -> None:
    if not ids:
        print(nothing)
    for migration_id in ids:
        print(f"{verb} {migration_id}")


if __name__ == "__main__":
    sys.exit(main())
