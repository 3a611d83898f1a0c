"""The built images, run for real: non-root, read-only, healthy, ready, and the e2e journey through the gateway.

They run as a stack on 127.0.0.1 (host networking), wired the way `make run` wires its processes. Skipped, with the
reason, unless TRIPSAGE_CONTAINER_TESTS=1 (`make test-containers` sets it) and a Docker engine answers; with both,
a missing image is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_db.backups import list_backups, restore_backup, verify_checksum
from tripsage_devstack.cli import wait_until_ready
from tripsage_devstack.topology import ALL_SERVICES, POSTGRES_PORT, REDIS_PORT, SANDBOX_PORT, Topology
from tripsage_testing import client_bin_dir

REPO = Path(__file__).resolve().parents[3]
TAG = os.environ.get("TAG", "dev")
# Clear of the dev stack (offset 0), the e2e stack (20000) and the benchmarks (4000, 6000); every port stays below
# the kernel's ephemeral range (32768+), where an outgoing connection may already hold it.
OFFSET = int(os.environ.get("TRIPSAGE_CONTAINER_PORT_OFFSET", "10000"))
APP_IMAGES = (*(s.name for s in ALL_SERVICES), "sandbox")
STAND_IN_IMAGES = ("postgres", "redis")
READY_TIMEOUT_S = 180.0
_TMPFS = "/tmp:rw,nosuid,nodev,size=256m"  # noqa: S108 - the container's own /tmp, not the host's

pytestmark = pytest.mark.timeout(900)


def image(name: str) -> str:
    return f"tripsage/{name}:{TAG}"


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI; on failure the error carries its stderr."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} failed: {result.stderr.strip()}")
    return result


def _engine_unavailable_reason() -> str | None:
    if os.environ.get("TRIPSAGE_CONTAINER_TESTS") != "1":
        return "container tests run with TRIPSAGE_CONTAINER_TESTS=1 (make test-containers), after make images"
    if shutil.which("docker") is None:
        return "no docker CLI on PATH (apt-get install docker.io)"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=20)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer within 20 s"
    if info.returncode != 0:
        return f"no Docker engine answers (start dockerd): {info.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="session")
def engine() -> None:
    """Skip with the reason when containers can't run here; fail when they can but an image is missing."""
    reason = _engine_unavailable_reason()
    if reason:
        pytest.skip(reason)
    missing = [
        image(n) for n in APP_IMAGES + STAND_IN_IMAGES if docker("image", "inspect", image(n), check=False).returncode
    ]
    if missing:
        pytest.fail(f"images missing, run `make images` first: {', '.join(missing)}")


@dataclass
class ContainerStack:
    """The same surface as tripsage_devstack.harness.RunningStack that the e2e journey uses."""

    topology: Topology
    containers: dict[str, str] = field(default_factory=dict)

    def token(self, sub: str = "dev-user") -> str:
        # The containers run in development with the development key, as `make run` does.
        return mint_token(sub=sub, secret=DEVELOPMENT_JWT_SECRET, ttl_s=3600)


def _service_env(topology: Topology) -> dict[str, dict[str, str]]:
    envs = {s.name: topology.service_env(s, redis=True) for s in ALL_SERVICES}
    for upstream in ALL_SERVICES[1:]:  # every service is in its image, whatever this venv has installed
        envs["gateway"][f"GATEWAY_UPSTREAMS__{upstream.name.upper()}"] = topology.url(upstream.port)
    envs["sandbox"] = {"SANDBOX_HOST": topology.host, "SANDBOX_PORT": str(topology.port(SANDBOX_PORT))}
    return envs


def _env_args(env: dict[str, str]) -> list[str]:
    return [arg for key, value in sorted(env.items()) for arg in ("-e", f"{key}={value}")]


def _run_detached(run_id: str, name: str, args: list[str]) -> str:
    container = f"tripsage-ct-{name}-{run_id}"
    docker("run", "-d", "--name", container, "--label", f"tripsage.container-test={run_id}", "--network", "host", *args)
    return container


def _wait_healthy(container: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        state = json.loads(docker("inspect", "--format", "{{json .State}}", container).stdout)
        status = state.get("Health", {}).get("Status")
        if status == "healthy":
            return
        if not state["Running"] or time.monotonic() > deadline:
            raise TimeoutError(f"{container} is {status or state['Status']}: {_logs(container)}")
        time.sleep(0.5)


def _logs(container: str) -> str:
    # docker logs replays the container's stdout on stdout and its stderr on stderr.
    result = docker("logs", "--tail", "40", container, check=False)
    return (result.stdout + result.stderr)[-3000:]


def _start(run_id: str, topology: Topology) -> ContainerStack:
    stack = ContainerStack(topology)
    host = topology.host
    stack.containers["postgres"] = _run_detached(
        run_id,
        "postgres",
        [*_env_args({"LISTEN_ADDRESSES": host, "PGPORT": str(topology.port(POSTGRES_PORT))}), image("postgres")],
    )
    stack.containers["redis"] = _run_detached(
        run_id,
        "redis",
        ["--read-only", image("redis"), "--bind", host, "--port", str(topology.port(REDIS_PORT))],
    )
    _wait_healthy(stack.containers["postgres"], 60)
    migrate = docker(
        "run", "--rm", "--network", "host", "--read-only", image("gateway"),
        "tripsage-migrate", "--database-url", topology.database_url, "--dir", "/app/deploy/migrations", "up",
        timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    for name, env in _service_env(topology).items():
        # Writable paths only under /tmp: a tmpfs there, the rest of the root filesystem read-only.
        args = ["--read-only", "--tmpfs", _TMPFS, *_env_args(env), image(name)]
        stack.containers[name] = _run_detached(run_id, name, args)
    return stack


def _wait_until_ready(stack: ContainerStack) -> None:
    """Every /ready and the migrations, as `make run` waits; a container that exits fails at once, not at the end."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        for name, container in stack.containers.items():
            if docker("inspect", "--format", "{{.State.Running}}", container).stdout.strip() != "true":
                raise RuntimeError(f"the {name} container exited: {_logs(container)}")
        try:
            wait_until_ready(stack.topology, timeout_s=5, migrations_dir=REPO / "deploy" / "migrations")
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def _remove_all(run_id: str) -> None:
    ids = docker("ps", "-aq", "--filter", f"label=tripsage.container-test={run_id}", check=False).stdout.split()
    if ids:
        docker("rm", "-f", "-v", *ids, check=False, timeout=120)


@pytest.fixture(scope="session")
def container_stack(engine: None) -> Iterator[ContainerStack]:
    """Postgres, Redis, migrations, the sandbox and every service, each from its image; removed afterwards."""
    run_id = uuid.uuid4().hex[:8]
    topology = Topology(offset=OFFSET)
    try:
        stack = _start(run_id, topology)
        try:
            _wait_until_ready(stack)
        except (TimeoutError, RuntimeError):
            for container in stack.containers.values():
                sys.stderr.write(f"--- {container}\n{_logs(container)}\n")
            raise
        yield stack
    finally:
        _remove_all(run_id)


def _journey() -> Callable[[Any], None]:
    # The e2e journey itself, not a copy: it only needs .topology and .token() from the stack it is given.
    spec = importlib.util.spec_from_file_location("tripsage_e2e_journey", REPO / "tests-e2e" / "test_journey.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    test: Callable[[Any], None] = module.test_plan_a_trip_to_tokyo
    return test


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_every_service_container_runs_as_uid_10001_on_a_read_only_root(container_stack: ContainerStack) -> None:
    for name in APP_IMAGES:
        container = container_stack.containers[name]
        inspected = json.loads(docker("inspect", container).stdout)[0]
        assert inspected["HostConfig"]["ReadonlyRootfs"] is True, name
        assert docker("exec", container, "id", "-u").stdout.strip() == "10001", name
        denied = docker("exec", container, "sh", "-c", "touch /opt/written", check=False)
        assert denied.returncode != 0, name
        assert "Read-only file system" in denied.stderr, (name, denied.stderr)
        assert docker("exec", container, "sh", "-c", "touch /tmp/written", check=False).returncode == 0, name


def test_every_service_container_reports_healthy(container_stack: ContainerStack) -> None:
    deadline = time.monotonic() + 90
    pending = set(APP_IMAGES)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            health = docker("inspect", "--format", "{{.State.Health.Status}}", container_stack.containers[name])
            if health.stdout.strip() == "healthy":
                pending.discard(name)
        time.sleep(1)
    assert not pending, f"HEALTHCHECK not healthy: {sorted(pending)}"


def test_plan_a_trip_to_tokyo_through_the_gateway_container(container_stack: ContainerStack) -> None:
    _journey()(container_stack)


def test_time_image_serves_health_read_only_as_10001_without_any_writable_path(engine: None) -> None:
    port = _free_port()
    container = docker(
        "run", "-d", "--rm", "--read-only", "--user", "10001", "--network", "host",
        "-e", "TIME_HOST=127.0.0.1", "-e", f"TIME_PORT={port}", image("time"),
    ).stdout.strip()  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert response.status_code == 200
        assert response.json()["service"] == "time"
    finally:
        docker("rm", "-f", container, check=False)


# Anything named like a secret file, any test suite of ours, any compiler, build system or installer.
_FORBIDDEN = r"""
set -u
find / -xdev \( -name '.env' -o -name '.env.*' \) -print
find / -xdev -path '*/site-packages/tripsage_*' \( -name tests -o -name 'test_*.py' -o -name conftest.py \) -print
find / -xdev -path /proc -prune -o -type d -name tests-e2e -print
for tool in gcc cc c++ g++ make cmake ld as uv uvx; do command -v "$tool" || true; done
ls /opt/venv/bin/pip* 2>/dev/null || true
"""


@pytest.mark.parametrize("name", APP_IMAGES)
def test_image_ships_no_env_files_tests_or_build_tools(engine: None, name: str) -> None:
    found = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image(name), "-c", _FORBIDDEN)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [], f"{image(name)} contains: {found.stdout.split()}"


def test_backup_pod_dumps_with_the_postgres_images_client_from_the_gateway_image(
    engine: None, migrated_database: str, fresh_database: str, tmp_path: Path
) -> None:
    """The backup CronJob's two containers, as the chart wires them: the Postgres image's client copied to a shared
    volume, then `tripsage-backup take` in the gateway image, both as uid 10001 on a read-only root."""
    pg_client = yaml.safe_load((REPO / "helm" / "gateway" / "values.yaml").read_text())["backups"]["pgClient"]
    client, backups = tmp_path / "pg-client", tmp_path / "backups"
    for directory in (client, backups):
        directory.mkdir()
        directory.chmod(0o777)  # the containers' uid 10001 writes here, as fsGroup lets it on the cluster's volumes
    as_the_cron_job = ["--rm", "--read-only", "--user", "10001:10001", "--tmpfs", _TMPFS]
    docker(
        "run", *as_the_cron_job, "--network", "none", "-v", f"{client}:/pg-client", "--entrypoint", "cp",
        image("postgres"), "-R", pg_client["sourceDir"], "/pg-client/",
    )  # fmt: skip
    pg_bin = f"/pg-client/{Path(pg_client['sourceDir']).name}/{pg_client['binDir']}"
    took = docker(
        "run", *as_the_cron_job, "--network", "host", "-v", f"{client}:/pg-client:ro", "-v", f"{backups}:/backups",
        "-e", "BACKUP_DIR=/backups", "-e", f"PG_BIN_DIR={pg_bin}", "-e", f"DATABASE_URL={migrated_database}",
        image("gateway"), "tripsage-backup", "take",
    )  # fmt: skip

    (backup,) = list_backups(backups)
    assert took.stdout.startswith(f"took {backup.path.name} ")
    assert verify_checksum(backup.path) == backup.sha256
    restore_backup(backup.path, database_url=fresh_database, pg_bin=client_bin_dir())
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regclass('public.trips') IS NOT NULL").fetchone() == (True,)
