"""`tripsage-dev`: run the stack, mint development tokens, and the small commands the stack's processes run."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_devstack.stopping import run_supervisord
from tripsage_devstack.supervisor import redis_available, render, socket_path
from tripsage_devstack.topology import POSTGRES_PORT, SANDBOX_PORT, SERVICES, Topology

# A guard against a stack that will never come up, not a verdict on speed: on a starved machine (CI beside other
# work) startup has taken minutes, and a stack whose process died is reported at once by `alive` instead.
READY_TIMEOUT_S = 600.0
MIGRATIONS_DIR = Path("deploy/migrations")


def _token(sub: str, ttl_s: int) -> str:
    secret = os.environ.get("GATEWAY_JWT_SECRET") or DEVELOPMENT_JWT_SECRET
    return mint_token(sub=sub, secret=secret, ttl_s=ttl_s)


def cmd_run(args: argparse.Namespace) -> int:
    topology = Topology(offset=args.offset)
    run_dir = Path(args.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    with_redis = redis_available() and not args.no_redis
    if not with_redis:
        print("redis-server is not on PATH: services use their in-process cache (apt-get install redis-server).")
    conf = run_dir / "supervisord.conf"
    conf.write_text(render(topology, run_dir, with_redis=with_redis))
    return run_supervisord(conf, socket_path(run_dir))


def cmd_postgres(args: argparse.Namespace) -> int:
    from tripsage_testing.postgres import EmbeddedPostgres

    return EmbeddedPostgres(Path(args.data), port=args.port).run_foreground()


def cmd_redis(args: argparse.Namespace) -> int:
    from tripsage_testing.redis import RedisServer

    RedisServer(port=args.port).run_foreground()
    return 1  # run_foreground replaces this process; reaching here means it could not


def _wait_for_postgres(url: str, timeout_s: float) -> None:
    import asyncpg

    async def probe() -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                connection = await asyncpg.connect(url, timeout=2)
                await connection.close()
                return
            except (OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)

    asyncio.run(probe())


def cmd_migrate(args: argparse.Namespace) -> int:
    topology = Topology(offset=args.offset)
    _wait_for_postgres(topology.database_url, timeout_s=60)
    migrations = Path(args.dir).resolve()
    return subprocess.call(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tripsage_db.migrate",
            "--database-url",
            topology.database_url,
            "--dir",
            str(migrations),
            "up",
        ]
    )


def _ready_urls(topology: Topology) -> dict[str, str]:
    urls = {service.name: topology.url(service.port) + "/ready" for service in SERVICES}
    urls["sandbox"] = topology.url(SANDBOX_PORT) + "/__sandbox/health"
    return urls


def _migrations_applied(topology: Topology, migrations_dir: Path) -> bool:
    from tripsage_db.migrations import MigrationError, MigrationRunner

    try:
        statuses = MigrationRunner(topology.database_url, migrations_dir, lock_timeout_seconds=2).status()
    except (MigrationError, OSError, psycopg.Error):
        return False
    return all(status.state == "applied" for status in statuses)


def wait_until_ready(
    topology: Topology,
    timeout_s: float = READY_TIMEOUT_S,
    migrations_dir: Path = MIGRATIONS_DIR,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Poll every process's readiness endpoint, and the migrations, until all are done or `alive()` turns false."""
    pending = _ready_urls(topology)
    deadline = time.monotonic() + timeout_s
    migrated = False
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while pending or not migrated:
            for name, url in list(pending.items()):
                try:
                    if client.get(url).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            migrated = migrated or _migrations_applied(topology, migrations_dir)
            if not pending and migrated:
                break
            waiting = sorted(pending) + ([] if migrated else ["migrations"])
            if not alive():
                raise TimeoutError(f"the stack exited before it was ready; still waiting for: {', '.join(waiting)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s:.0f} s: {', '.join(waiting)}")
            time.sleep(0.2)


def cmd_wait_ready(args: argparse.Namespace) -> int:
    topology = Topology(offset=args.offset)
    started = time.monotonic()
    try:
        wait_until_ready(topology)
    except TimeoutError as exc:
        print(f"TripSage stack is NOT ready: {exc}", flush=True)
        return 1
    lines = [f"TripSage is ready in {time.monotonic() - started:.1f} s.", ""]
    lines += [f"  {service.name:<8} {topology.url(service.port)}" for service in SERVICES]
    lines += [
        f"  {'sandbox':<8} {topology.url(SANDBOX_PORT)}  (provider sandbox)",
        f"  {'postgres':<8} {topology.database_url}",
        "",
        "Try it:",
        f"  curl -H 'Authorization: Bearer {_token('dev-user', 86_400)}' \\",
        f"    '{topology.gateway_url}/v1/time/timezone?lat=35.68&lon=139.69'",
        "",
        "Stop one process: make ctl CMD='stop time'   Stop everything: Ctrl-C",
    ]
    print("\n".join(lines), flush=True)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    print(_token(args.sub, args.ttl))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripsage-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the whole stack in the foreground")
    run.add_argument("--offset", type=int, default=0, help="add this to every port (a second stack beside the first)")
    run.add_argument("--run-dir", default=".run", help="state: Postgres data, supervisor socket")
    run.add_argument("--no-redis", action="store_true", help="use in-process caches even if redis-server exists")
    run.set_defaults(handler=cmd_run)

    token = commands.add_parser("token", help="print a development token on the last line")
    token.add_argument("--sub", default="dev-user")
    token.add_argument("--ttl", type=int, default=86_400, help="lifetime in seconds")
    token.set_defaults(handler=cmd_token)

    postgres = commands.add_parser("postgres", help="embedded Postgres with pgvector, in the foreground")
    postgres.add_argument("--port", type=int, default=POSTGRES_PORT)
    postgres.add_argument("--data", required=True)
    postgres.set_defaults(handler=cmd_postgres)

    redis = commands.add_parser("redis", help="redis-server without persistence, in the foreground")
    redis.add_argument("--port", type=int, required=True)
    redis.set_defaults(handler=cmd_redis)

    migrate = commands.add_parser("migrate", help="wait for Postgres, then apply pending migrations")
    migrate.add_argument("--offset", type=int, default=0)
    migrate.add_argument("--dir", default="deploy/migrations")
    migrate.set_defaults(handler=cmd_migrate)

    wait = commands.add_parser("wait-ready", help="wait for every /ready, then print how to call the API")
    wait.add_argument("--offset", type=int, default=0)
    wait.set_defaults(handler=cmd_wait_ready)

    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
