"""The supervisord configuration for the stack: one program per process, output to the terminal."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tripsage_devstack.topology import POSTGRES_PORT, REDIS_PORT, SANDBOX_PORT, SERVICES, Topology

_OUTPUT = "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true\n"


def _env(values: dict[str, str]) -> str:
    return ",".join(f'{key}="{value}"' for key, value in sorted(values.items()))


def _program(
    name: str, command: str, *, priority: int, env: dict[str, str] | None = None, once: bool = False, stopwait: int = 25
) -> str:
    lines = [
        f"[program:{name}]",
        f"command={command}",
        f"priority={priority}",
        "autostart=true",
        f"stopwaitsecs={stopwait}",
        "stopasgroup=true",
        "killasgroup=true",
    ]
    if once:
        lines += ["autorestart=false", "startsecs=0", "startretries=0", "exitcodes=0"]
    else:
        lines += ["autorestart=unexpected", "startsecs=1", "startretries=3"]
    if env:
        lines.append(f"environment={_env(env)}")
    return "\n".join(lines) + "\n" + _OUTPUT


def socket_path(run_dir: Path) -> Path:
    """supervisord's control socket: supervisorctl and the fast stop talk to it."""
    return run_dir / "supervisor.sock"


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


def render(topology: Topology, run_dir: Path, *, with_redis: bool) -> str:
    """The whole supervisord.conf for one stack."""
    dev = f"{sys.executable} -m tripsage_devstack.cli"
    offset = f"--offset {topology.offset}"
    sections = [
        "[supervisord]\nnodaemon=true\nlogfile=/dev/stdout\nlogfile_maxbytes=0\nloglevel=info\n"
        f"pidfile={run_dir}/supervisord.pid\n",
        f"[unix_http_server]\nfile={socket_path(run_dir)}\nchmod=0700\n",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{socket_path(run_dir)}\n",
        _program(
            "postgres",
            f"{dev} postgres --port {topology.port(POSTGRES_PORT)} --data {run_dir}/pgdata",
            priority=10,
            stopwait=30,
        ),
        _program("migrate", f"{dev} migrate {offset}", priority=20, once=True),
        _program(
            "sandbox",
            "tripsage-sandbox",
            priority=20,
            env={"SANDBOX_HOST": topology.host, "SANDBOX_PORT": str(topology.port(SANDBOX_PORT))},
        ),
    ]
    if with_redis:
        sections.append(_program("redis", f"{dev} redis --port {topology.port(REDIS_PORT)}", priority=10))
    for service in SERVICES:
        sections.append(
            _program(service.name, service.command, priority=30, env=topology.service_env(service, redis=with_redis))
        )
    sections.append(_program("ready", f"{dev} wait-ready {offset}", priority=40, once=True))
    return "\n".join(sections)
