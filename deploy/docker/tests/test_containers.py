"""The built images, run for real: non-root, read-only, healthy, ready, and the e2e journey through the gateway.

They run as a stack on 127.0.0.1 (host networking), wired the way `make run` wires its processes, each container
started and removed by testcontainers (its Ryuk reaper is off: conftest.py says why). Every container carries the
label `tripsage.container-test=<run id>`; the fixture that starts a set removes it, pass or fail, and then checks that
no container with its label is left. Skipped, with the reason, unless TRIPSAGE_CONTAINER_TESTS=1
(`make test-containers` sets it) and a Docker engine answers; with both, a missing image is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import docker
import httpx
import psycopg
import pytest
import requests
import yaml
from docker.errors import DockerException, ImageNotFound
from testcontainers.core.container import DockerContainer
from testcontainers.core.docker_client import DockerClient
from testcontainers.core.wait_strategies import HealthcheckWaitStrategy

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
RUN_LABEL = "tripsage.container-test"
# The container's own /tmp, not the host's; the rest of the root filesystem is read-only.
_TMPFS = {"/tmp": "rw,nosuid,nodev,size=256m"}  # noqa: S108

pytestmark = pytest.mark.timeout(900)


def image(name: str) -> str:
    return f"tripsage/{name}:{TAG}"


def _engine() -> docker.DockerClient:
    return DockerClient().client


def _engine_unavailable_reason() -> str | None:
    if os.environ.get("TRIPSAGE_CONTAINER_TESTS") != "1":
        return "container tests run with TRIPSAGE_CONTAINER_TESTS=1 (make test-containers), after make images"
    try:
        _engine().ping()
    except (DockerException, requests.RequestException) as error:
        return f"no Docker engine answers (start dockerd): {str(error)[:200]}"
    return None


def _missing_images() -> list[str]:
    engine = _engine()
    missing = []
    for name in APP_IMAGES + STAND_IN_IMAGES:
        try:
            engine.images.get(image(name))
        except ImageNotFound:
            missing.append(image(name))
    return missing


def containers_labelled(run_id: str) -> list[str]:
    """Names of the containers, running or not, that carry this run's label."""
    return [c.name for c in _engine().containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})]


@dataclass(frozen=True)
class Exited:
    """A container run to completion: its exit code and what it wrote."""

    code: int
    stdout: str
    stderr: str


class ContainerSet:
    """The containers one fixture or test starts: all labelled with its run id, all removed on exit, pass or fail.

    Testcontainers starts and removes each one; with Ryuk off nothing else would, so `__exit__` removes every
    container it created (a failed start included) and then fails if any container with the label is still there.
    """

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:8]
        self._started: list[DockerContainer] = []

    def __enter__(self) -> ContainerSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        failures = []
        for container in reversed(self._started):
            try:
                container.stop()  # removes it, forced, with its anonymous volumes
            except DockerException as failure:
                failures.append(str(failure))
        left = containers_labelled(self.run_id)
        if left or failures:
            raise RuntimeError(f"containers of run {self.run_id} left behind: {left}; removal errors: {failures}")

    def container(
        self,
        name: str,
        image_name: str,
        *,
        network: str = "host",
        read_only: bool = True,
        writable_tmp: bool = False,
        **options: Any,
    ) -> DockerContainer:
        """A container of this set, not yet started: host (or no) networking, read-only root unless told."""
        container = DockerContainer(image(image_name))
        container.with_name(f"tripsage-ct-{name}-{self.run_id}")
        container.with_kwargs(labels={RUN_LABEL: self.run_id}, network_mode=network, read_only=read_only, **options)
        if writable_tmp:
            # with_tmpfs_mount() takes a size only; the mount options are the ones the charts' emptyDir stands for.
            container.tmpfs.update(_TMPFS)
        return container

    def start(self, container: DockerContainer) -> DockerContainer:
        # Recorded before it starts: a container created but failing to start or to get ready is removed too.
        self._started.append(container)
        return container.start()

    def run(self, container: DockerContainer, timeout_s: float = 120) -> Exited:
        """Start it, wait for it to exit, and remove it (as `docker run --rm` would, keeping its output)."""
        self.start(container)
        wrapped = container.get_wrapped_container()
        code = int(wrapped.wait(timeout=timeout_s)["StatusCode"])
        stdout, stderr = container.get_logs()
        container.stop()
        self._started.remove(container)
        return Exited(code, stdout.decode(), stderr.decode())


def _state(container: DockerContainer) -> dict[str, Any]:
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    state: dict[str, Any] = wrapped.attrs["State"]
    return state


def _logs(container: DockerContainer) -> str:
    stdout, stderr = container.get_logs()
    return (stdout.decode() + stderr.decode())[-3000:]


def _exec(container: DockerContainer, script: str) -> tuple[int, str]:
    exit_code, output = container.exec(["sh", "-c", script])
    return exit_code, output.decode()


@pytest.fixture(scope="session")
def engine() -> None:
    """Skip with the reason when containers can't run here; fail when they can but an image is missing."""
    reason = _engine_unavailable_reason()
    if reason:
        pytest.skip(reason)
    missing = _missing_images()
    if missing:
        pytest.fail(f"images missing, run `make images` first: {', '.join(missing)}")


@pytest.fixture
def containers(engine: None) -> Iterator[ContainerSet]:
    """A test's own containers, removed when it ends, pass or fail."""
    with ContainerSet() as started:
        yield started


@dataclass
class ContainerStack:
    """The same surface as tripsage_devstack.harness.RunningStack that the e2e journey uses."""

    topology: Topology
    containers: dict[str, DockerContainer] = field(default_factory=dict)

    def token(self, sub: str = "dev-user") -> str:
        # The containers run in development with the development key, as `make run` does.
        return mint_token(sub=sub, secret=DEVELOPMENT_JWT_SECRET, ttl_s=3600)


def _service_env(topology: Topology) -> dict[str, dict[str, str]]:
    envs = {s.name: topology.service_env(s, redis=True) for s in ALL_SERVICES}
    for upstream in ALL_SERVICES[1:]:  # every service is in its image, whatever this venv has installed
        envs["gateway"][f"GATEWAY_UPSTREAMS__{upstream.name.upper()}"] = topology.url(upstream.port)
    envs["sandbox"] = {"SANDBOX_HOST": topology.host, "SANDBOX_PORT": str(topology.port(SANDBOX_PORT))}
    return envs


def _start(started: ContainerSet, topology: Topology) -> ContainerStack:
    stack = ContainerStack(topology)
    host = topology.host
    postgres = started.container("postgres", "postgres", read_only=False)
    postgres.with_envs(LISTEN_ADDRESSES=host, PGPORT=str(topology.port(POSTGRES_PORT)))
    postgres.waiting_for(HealthcheckWaitStrategy().with_startup_timeout(60))
    redis = started.container("redis", "redis")
    redis.with_command(["--bind", host, "--port", str(topology.port(REDIS_PORT))])
    stack.containers["redis"] = started.start(redis)
    stack.containers["postgres"] = started.start(postgres)
    migrate = started.container("migrate", "gateway")
    migrate.with_command(
        ["tripsage-migrate", "--database-url", topology.database_url, "--dir", "/app/deploy/migrations", "up"]
    )
    migrated = started.run(migrate)
    assert migrated.code == 0, migrated.stderr
    for name, env in _service_env(topology).items():
        service = started.container(name, name, writable_tmp=True)
        service.with_envs(**env)
        stack.containers[name] = started.start(service)
    return stack


def _wait_until_ready(stack: ContainerStack) -> None:
    """Every /ready and the migrations, as `make run` waits; a container that exits fails at once, not at the end."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        for name, container in stack.containers.items():
            if not _state(container)["Running"]:
                raise RuntimeError(f"the {name} container exited: {_logs(container)}")
        try:
            wait_until_ready(stack.topology, timeout_s=5, migrations_dir=REPO / "deploy" / "migrations")
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


@pytest.fixture(scope="session")
def container_stack(engine: None) -> Iterator[ContainerStack]:
    """Postgres, Redis, migrations, the sandbox and every service, each from its image; removed afterwards."""
    with ContainerSet() as started:
        stack = _start(started, Topology(offset=OFFSET))
        try:
            _wait_until_ready(stack)
        except (TimeoutError, RuntimeError):
            for name, container in stack.containers.items():
                sys.stderr.write(f"--- {name}\n{_logs(container)}\n")
            raise
        yield stack


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
        assert container.get_wrapped_container().attrs["HostConfig"]["ReadonlyRootfs"] is True, name
        assert _exec(container, "id -u") == (0, "10001\n"), name
        code, output = _exec(container, "touch /opt/written")
        assert code != 0, name
        assert "Read-only file system" in output, (name, output)
        assert _exec(container, "touch /tmp/written")[0] == 0, name


def test_every_service_container_reports_healthy(container_stack: ContainerStack) -> None:
    deadline = time.monotonic() + 90
    pending = set(APP_IMAGES)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            if _state(container_stack.containers[name]).get("Health", {}).get("Status") == "healthy":
                pending.discard(name)
        time.sleep(1)
    assert not pending, f"HEALTHCHECK not healthy: {sorted(pending)}"


def test_plan_a_trip_to_tokyo_through_the_gateway_container(container_stack: ContainerStack) -> None:
    _journey()(container_stack)


def test_time_image_serves_health_read_only_as_10001_without_any_writable_path(containers: ContainerSet) -> None:
    port = _free_port()
    time_service = containers.container("time-alone", "time", user="10001")
    time_service.with_envs(TIME_HOST="127.0.0.1", TIME_PORT=str(port))
    containers.start(time_service)
    # Testcontainers' HTTP wait strategy asks for a published port; on the host network there is none to publish.
    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2, trust_env=False)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or not _state(time_service)["Running"]:
                raise
            time.sleep(0.3)
    assert response.status_code == 200
    assert response.json()["service"] == "time"


def _start_one_then_fail(started: ContainerSet, seen: list[str]) -> None:
    with started:
        started.start(started.container("sleeper", "redis", network="none"))
        seen.extend(containers_labelled(started.run_id))
        raise AssertionError("the test failed")


def test_containers_are_removed_when_the_test_using_them_fails(engine: None) -> None:
    started, seen = ContainerSet(), list[str]()
    with pytest.raises(AssertionError, match="the test failed"):
        _start_one_then_fail(started, seen)
    assert seen == [f"tripsage-ct-sleeper-{started.run_id}"]
    assert containers_labelled(started.run_id) == []


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
def test_image_ships_no_env_files_tests_or_build_tools(containers: ContainerSet, name: str) -> None:
    search = containers.container(f"contents-{name}", name, network="none", entrypoint="sh")
    found = containers.run(search.with_command(["-c", _FORBIDDEN]))
    assert found.code == 0, found.stderr
    assert found.stdout.split() == [], f"{image(name)} contains: {found.stdout.split()}"


def test_backup_pod_dumps_with_the_postgres_images_client_from_the_gateway_image(
    containers: ContainerSet, migrated_database: str, fresh_database: str, tmp_path: Path
) -> None:
    """The backup CronJob's two containers, as the chart wires them: the Postgres image's client copied to a shared
    volume, then `tripsage-backup take` in the gateway image, both as uid 10001 on a read-only root."""
    pg_client = yaml.safe_load((REPO / "helm" / "gateway" / "values.yaml").read_text())["backups"]["pgClient"]
    client, backups = tmp_path / "pg-client", tmp_path / "backups"
    for directory in (client, backups):
        directory.mkdir()
        directory.chmod(0o777)  # the containers' uid 10001 writes here, as fsGroup lets it on the cluster's volumes
    as_the_cron_job: dict[str, Any] = {"user": "10001:10001", "writable_tmp": True}
    copy = containers.container("pg-client", "postgres", network="none", entrypoint="cp", **as_the_cron_job)
    copy.with_volume_mapping(client, "/pg-client", mode="rw")
    copied = containers.run(copy.with_command(["-R", pg_client["sourceDir"], "/pg-client/"]))
    assert copied.code == 0, copied.stderr
    pg_bin = f"/pg-client/{Path(pg_client['sourceDir']).name}/{pg_client['binDir']}"
    take = containers.container("backup", "gateway", **as_the_cron_job)
    take.with_volume_mapping(client, "/pg-client").with_volume_mapping(backups, "/backups", mode="rw")
    take.with_envs(BACKUP_DIR="/backups", PG_BIN_DIR=pg_bin, DATABASE_URL=migrated_database)
    took = containers.run(take.with_command(["tripsage-backup", "take"]))

    assert took.code == 0, took.stderr
    (backup,) = list_backups(backups)
    assert took.stdout.startswith(f"took {backup.path.name} ")
    assert verify_checksum(backup.path) == backup.sha256
    restore_backup(backup.path, database_url=fresh_database, pg_bin=client_bin_dir())
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regclass('public.trips') IS NOT NULL").fetchone() == (True,)
