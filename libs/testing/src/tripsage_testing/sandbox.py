"""The provider sandbox for tests: a real `python -m tripsage_sandbox` process on a free port, and its control API.

The plugin's `sandbox` fixture is the one every suite uses; `running_sandbox` is for a test that needs a sandbox of
its own (other SANDBOX_* settings, a restart).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tripsage_testing.ports import free_port


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


# Only a hung start should hit this: loading the embedding model takes seconds on an idle machine and far longer on a
# busy one, and a verdict must not depend on how busy the machine is.
STARTUP_TIMEOUT_S = 300.0


def start_sandbox(
    log_dir: Path, env: Mapping[str, str] | None = None, startup_timeout_s: float = STARTUP_TIMEOUT_S
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
    """A running sandbox and its control API: arm faults, count the calls that reached a provider, reset both.

    `provider` is the one `fault` and `calls` address unless told otherwise (a suite sets it by overriding the
    `sandbox_provider` fixture).
    """

    def __init__(self, sandbox: RunningSandbox, provider: str | None = None) -> None:
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

    def _provider(self, provider: str | None) -> str:
        chosen = provider or self.provider
        if chosen is None:
            raise ValueError(
                "name the provider (amadeus, google, owm, openai) or override the sandbox_provider fixture"
            )
        return chosen

    def fault(self, kind: str, *, endpoint: str | None = None, provider: str | None = None, **extra: object) -> None:
        spec: dict[str, object] = {"provider": self._provider(provider), "kind": kind, **extra}
        if endpoint:
            spec["endpoint"] = endpoint
        self._send("POST", "/__sandbox/faults", spec)

    def calls(self, endpoint: str | None = None, *, provider: str | None = None) -> int:
        """Calls that reached the provider since the last reset: to one endpoint, or to all of them."""
        stats = self._send("GET", "/__sandbox/stats")
        assert isinstance(stats, dict)
        counts = stats["providers"].get(self._provider(provider), {"total": 0, "endpoints": {}})
        return int(counts["total"] if endpoint is None else counts.get("endpoints", {}).get(endpoint, 0))

    def arrivals(self, endpoint: str, *, provider: str | None = None) -> list[float]:
        """When the latest calls to an endpoint reached the sandbox (its monotonic clock, seconds), oldest first."""
        stats = self._send("GET", "/__sandbox/stats")
        assert isinstance(stats, dict)
        provider_stats = stats["providers"].get(self._provider(provider), {})
        return [float(t) for t in provider_stats.get("arrivals", {}).get(endpoint, [])]

    def reset(self) -> None:
        self._send("DELETE", "/__sandbox/faults")
        self._send("DELETE", "/__sandbox/stats")
