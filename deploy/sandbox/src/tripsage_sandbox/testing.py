"""Helpers for test suites (this package's and the services'): run a real sandbox process on a free port."""

from __future__ import annotations

import json
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
    log_dir: Path, env: Mapping[str, str] | None = None, startup_timeout_s: float = 120.0
) -> RunningSandbox:
    """Launch `python -m tripsage_sandbox` on a free port; env entries override SANDBOX_* settings.

    The wait is generous because it only costs time when start-up is slow: on a loaded CI machine (load average
    above 20 on two cores) the import alone took over 30 s, and a test must not fail for that.
    """
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


class SandboxControl:
    """The control API of a running sandbox, for one provider: arm faults, count the calls that reached it."""

    def __init__(self, sandbox: RunningSandbox, provider: str) -> None:
        self.url = sandbox.url
        self.port = sandbox.port
        self.provider = provider

    def _send(self, method: str, path: str, body: dict[str, object] | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the loopback sandbox
            self.url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def fault(self, kind: str, *, endpoint: str | None = None, **extra: object) -> None:
        spec: dict[str, object] = {"provider": self.provider, "kind": kind, **extra}
        if endpoint:
            spec["endpoint"] = endpoint
        self._send("POST", "/__sandbox/faults", spec)

    def calls(self, endpoint: str) -> int:
        stats = self._send("GET", "/__sandbox/stats")
        assert isinstance(stats, dict)
        return int(stats["providers"].get(self.provider, {}).get("endpoints", {}).get(endpoint, 0))

    def arrivals(self, endpoint: str) -> list[float]:
        """When the latest calls to an endpoint reached the sandbox (its monotonic clock, seconds), oldest first."""
        stats = self._send("GET", "/__sandbox/stats")
        assert isinstance(stats, dict)
        provider = stats["providers"].get(self.provider, {})
        return [float(t) for t in provider.get("arrivals", {}).get(endpoint, [])]

    def reset(self) -> None:
        self._send("DELETE", "/__sandbox/faults")
        self._send("DELETE", "/__sandbox/stats")
