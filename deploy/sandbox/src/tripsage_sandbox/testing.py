"""Helpers for test suites (this package's and the services'): run a real sandbox process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True)
class RunningSandbox:
    """A sandbox process we started, its port and its log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        return f"http://127.0.0.1:{self.port}"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__sandbox/health", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_sandbox(
    log_dir: Path, env: Mapping[str, str] | None = None, startup_timeout_s: float = 30.0
) -> RunningSandbox:
    """Launch `python -m tripsage_sandbox` on a free port; env entries override SANDBOX_* settings."""
    port = free_port()
    log = log_dir / f"sandbox-{port}.log"
    environment = {**os.environ, "SANDBOX_HOST": "127.0.0.1", "SANDBOX_PORT": str(port), **(env or {})}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tripsage_sandbox"], env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited early:\n{log.read_text()}")
        if _healthy(port):
            return RunningSandbox(process, port, log)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"sandbox did not start within {startup_timeout_s}s:\n{log.read_text()}")


def stop_sandbox(sandbox: RunningSandbox) -> None:
    """Terminate the process we started (kill it if it ignores SIGTERM)."""
    sandbox.process.terminate()
    try:
        sandbox.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.process.kill()
        sandbox.process.wait(timeout=10)


@contextmanager
def running_sandbox(log_dir: Path, **env: str) -> Iterator[RunningSandbox]:
    """Context manager around start_sandbox/stop_sandbox; keyword arguments are SANDBOX_* env overrides."""
    sandbox = start_sandbox(log_dir, env)
    try:
        yield sandbox
    finally:
        stop_sandbox(sandbox)
