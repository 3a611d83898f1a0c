"""Start the stack as `make run` does and drive it: for end-to-end tests, benchmarks and chaos runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tripsage_devstack.cli import READY_TIMEOUT_S, wait_until_ready
from tripsage_devstack.topology import Topology


@dataclass
class RunningStack:
    topology: Topology
    run_dir: Path
    startup_s: float

    def ctl(self, *args: str) -> str:
        """Run a supervisorctl command (e.g. `stop time`) against this stack; returns its output."""
        result = subprocess.run(  # noqa: S603 - our interpreter, our config
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.run_dir / "supervisord.conf"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stdout

    def token(self, sub: str = "dev-user") -> str:
        """A development token, minted by the same command `make token` runs."""
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tripsage_devstack.cli", "token", "--sub", sub],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]


@contextmanager
def running_stack(
    *, offset: int, run_dir: Path, cwd: Path, ready_timeout_s: float = READY_TIMEOUT_S
) -> Iterator[RunningStack]:
    """Run `tripsage-dev run` in its own session; SIGTERM on exit, as Ctrl-C would."""
    log_path = run_dir / "stack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tripsage_devstack.cli", "run", "--offset", str(offset), "--run-dir", str(run_dir)],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        try:
            try:
                wait_until_ready(
                    Topology(offset=offset),
                    timeout_s=ready_timeout_s,
                    migrations_dir=cwd / "deploy" / "migrations",
                    alive=lambda: process.poll() is None,
                )
            except TimeoutError:
                sys.stderr.write(log_path.read_text(errors="replace")[-5000:])
                raise
            yield RunningStack(Topology(offset=offset), run_dir, time.monotonic() - started)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
