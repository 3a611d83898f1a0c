"""The drill: seed a running stack, back it up as production does, destroy its database, restore, prove it whole.

Steps and what each proves:
1. seed     — trips, saved items and memories for several users, through the gateway (the public API);
2. backup   — `tripsage_db.backups.take_backup`, the code the CronJob runs (`tripsage-backup take`);
3. destroy  — Postgres stopped and its data directory deleted: nothing of the old cluster is left;
4. restore  — a new, empty Postgres with pgvector on the same address, `pg_restore` of the checked dump, then the
              gateway and memory services ready on it again;
5. verify   — `tripsage-migrate status` (everything applied, no file modified), row counts and checksums of every
              table equal, RLS policies present and in force, the HNSW index used by the search query, the same
              search answers as before, and an Idempotency-Key replay answering the original trip.
The time of backup, restore and verify is the measured recovery time (RTO) for the data size seeded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tripsage_db.backups import restore_backup, take_backup
from tripsage_devstack.harness import RunningStack, running_stack
from tripsage_drill.database import (
    RlsCheck,
    TableFingerprint,
    hnsw_index_valid,
    memory_search_plan,
    plan_summary,
    rls_check,
    table_fingerprints,
    uses_hnsw,
    wait_for_database,
)
from tripsage_drill.seed import Dataset, DatasetSize, search_answers, seed
from tripsage_testing import client_bin_dir

REPO = Path(__file__).resolve().parents[4]
# Generous: on a shared, busy machine the stack has taken over two minutes to start; a slow start is not a failure.
STACK_READY_TIMEOUT_S = 300.0
_READY_AGAIN_TIMEOUT_S = 120.0


@dataclass
class DrillReport:
    size: DatasetSize
    timings: dict[str, float] = field(default_factory=dict)
    backup_bytes: int = 0
    before: dict[str, TableFingerprint] = field(default_factory=dict)
    after: dict[str, TableFingerprint] = field(default_factory=dict)
    migrations: list[str] = field(default_factory=list)
    rls: RlsCheck | None = None
    rls_through_api: bool = False
    hnsw_before: bool = False
    hnsw_after: bool = False
    planner_choice: str = ""
    search_equal: bool = False
    search_answers: int = 0
    replays_equal: bool = False

    @property
    def migrations_clean(self) -> bool:
        return bool(self.migrations) and all(line.startswith("applied ") for line in self.migrations)

    @property
    def tables_equal(self) -> bool:
        return bool(self.before) and self.before == self.after

    @property
    def rto_s(self) -> float:
        return sum(self.timings.get(step, 0.0) for step in ("backup", "restore", "verify"))

    @property
    def passed(self) -> bool:
        return all(self.checks().values())

    def checks(self) -> dict[str, bool]:
        """Each check the drill makes, by the sentence the report prints for it."""
        return {
            "migrations: all applied, none modified": self.migrations_clean,
            "rows and checksums of every table equal": self.tables_equal,
            "RLS policies present, user B sees none of A's rows (SQL)": self.rls is not None and self.rls.passed,
            "user B gets 404 for each of A's trips (API)": self.rls_through_api,
            "HNSW index valid and serving the search's order (EXPLAIN)": self.hnsw_before and self.hnsw_after,
            f"memory search answers equal ({self.search_answers} hits)": self.search_equal,
            "Idempotency-Key replays answer the original trips": self.replays_equal,
        }


@contextmanager
def _timed(report: DrillReport, step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[step] = time.perf_counter() - started


def run_drill(*, size: DatasetSize, offset: int, run_dir: Path) -> DrillReport:
    """Run every step against a stack started as `make run` starts it, on ports shifted by `offset`."""
    report = DrillReport(size=size)
    with running_stack(offset=offset, run_dir=run_dir, cwd=REPO, ready_timeout_s=STACK_READY_TIMEOUT_S) as stack:
        report.timings["stack start"] = stack.startup_s
        tokens: dict[str, dict[str, str]] = {}

        def headers_of(user: str) -> dict[str, str]:
            if user not in tokens:
                tokens[user] = {"authorization": f"Bearer {stack.token(user)}"}
            return tokens[user]

        database_url = stack.topology.database_url
        with httpx.Client(base_url=stack.topology.gateway_url, trust_env=False, timeout=30) as client:
            with _timed(report, "seed"):
                dataset = seed(client, headers_of, size)
            answers_before = search_answers(client, headers_of, dataset.users)
            report.before = table_fingerprints(database_url)
            report.hnsw_before = _hnsw_serves_search(database_url, dataset.users[0])

            with _timed(report, "backup"):
                backup = take_backup(database_url=database_url, target_dir=run_dir / "backups", pg_bin=client_bin_dir())
            report.backup_bytes = backup.size_bytes

            with _timed(report, "destroy"):
                _destroy_database(stack)

            with _timed(report, "restore"):
                stack.ctl("start", "postgres")
                wait_for_database(database_url)
                restore_backup(backup.path, database_url=database_url, pg_bin=client_bin_dir())
                _wait_ready_again(client, stack)

            with _timed(report, "verify"):
                _verify(report, client, headers_of, stack, dataset, answers_before)
    return report


def _destroy_database(stack: RunningStack) -> None:
    stack.ctl("stop", "postgres")
    data_dir = stack.run_dir / "pgdata"
    shutil.rmtree(data_dir)
    if data_dir.exists():
        raise RuntimeError(f"{data_dir} survived its deletion")


def _wait_ready_again(client: httpx.Client, stack: RunningStack) -> None:
    """The services that use Postgres answer /ready 200 on the restored database (their pools reconnect)."""
    urls = [stack.topology.url(port) + "/ready" for port in (8000, 8006)]
    deadline = time.monotonic() + _READY_AGAIN_TIMEOUT_S
    while urls:
        with suppress(httpx.HTTPError):
            urls = [url for url in urls if client.get(url).status_code != 200]
        if urls and time.monotonic() > deadline:
            raise TimeoutError(f"not ready on the restored database: {', '.join(urls)}")
        time.sleep(0.2)


def _verify(
    report: DrillReport,
    client: httpx.Client,
    headers_of: Callable[[str], dict[str, str]],
    stack: RunningStack,
    dataset: Dataset,
    answers_before: dict[tuple[str, str], list[tuple[str, float]]],
) -> None:
    database_url = stack.topology.database_url
    report.migrations = _migration_status(database_url)
    report.after = table_fingerprints(database_url)
    owner, other = dataset.users[0], dataset.users[1]
    report.rls = rls_check(database_url, owner=owner, other=other)
    strangers = [client.get(f"/v1/trips/{trip}", headers=headers_of(other)) for trip in dataset.trips[owner]]
    report.rls_through_api = all(response.status_code == 404 for response in strangers)
    report.hnsw_after = _hnsw_serves_search(database_url, owner)
    report.planner_choice = plan_summary(memory_search_plan(database_url, user=owner, planner_free=True))
    answers_after = search_answers(client, headers_of, dataset.users)
    report.search_answers = sum(len(hits) for hits in answers_after.values())
    report.search_equal = answers_after == answers_before and report.search_answers > 0
    replays = [
        client.post("/v1/trips", json=create.body, headers={**headers_of(create.user), "Idempotency-Key": create.key})
        for create in dataset.idempotent
    ]
    report.replays_equal = bool(replays) and all(
        response.status_code == 201
        and response.headers.get("Idempotent-Replayed") == "true"
        and response.json()["id"] == create.trip_id
        for response, create in zip(replays, dataset.idempotent, strict=True)
    )


def _hnsw_serves_search(database_url: str, user: str) -> bool:
    return hnsw_index_valid(database_url) and uses_hnsw(memory_search_plan(database_url, user=user))


def _migration_status(database_url: str) -> list[str]:
    """`tripsage-migrate status` as an operator runs it after a restore (step 3 of the runbook)."""
    result = subprocess.run(  # noqa: S603 - our interpreter and module
        [sys.executable, "-m", "tripsage_db.migrate", "--dir", str(REPO / "deploy" / "migrations"), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return [" ".join(line.split()) for line in result.stdout.splitlines() if line.strip()]


def render_report(report: DrillReport) -> str:
    """The table `make drill` prints: per-table rows and checksums, the checks, and each step's time."""
    size = report.size
    lines = [
        f"Disaster-recovery drill: {size.users} users x {size.trips_per_user} trips x {size.items_per_trip} items, "
        f"{size.memories_per_user} memories each; backup {report.backup_bytes / 1024:.0f} KiB",
        "",
        f"{'table':<40} {'rows before':>11} {'rows after':>10}  checksum",
    ]
    for table in sorted(set(report.before) | set(report.after)):
        before, after = report.before.get(table), report.after.get(table)
        same = "equal" if before == after else "DIFFERENT"
        shown = after or before
        lines.append(
            f"{table:<40} {before.rows if before else '-':>11} {after.rows if after else '-':>10}  "
            f"{same} ({shown.md5[:12] if shown else ''})"
        )
    checks = report.checks()
    lines += ["", *(f"{'passed' if ok else 'FAILED':<7} {name}" for name, ok in checks.items())]
    lines += [f"        (the planner's own choice at this size: {report.planner_choice})", ""]
    lines.append(f"{'step':<14} {'seconds':>8}")
    for step in ("stack start", "seed", "backup", "destroy", "restore", "verify"):
        lines.append(f"{step:<14} {report.timings.get(step, float('nan')):>8.2f}")
    lines.append(f"{'RTO measured':<14} {report.rto_s:>8.2f}  (backup + restore + verify)")
    return "\n".join(lines)
