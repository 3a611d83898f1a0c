"""Start the stack as `make run` does and drive it: for end-to-end tests, benchmarks and chaos runs."""

from __future__ import annotations

import contextlib
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
    # Set on leaving `running_stack`: seconds from the stop signal until the stack's command exited.
    stop_s: float | None = None

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


def _kill_supervisord(run_dir: Path) -> None:
    # supervisord runs in a session of its own (see stopping.py): a kill of the command's group misses it.
    pidfile = run_dir / "supervisord.pid"
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)


@contextmanager
def running_stack(
    *,
    offset: int,
    run_dir: Path,
    cwd: Path,
    ready_timeout_s: float = READY_TIMEOUT_S,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> Iterator[RunningStack]:
    """Run `tripsage-dev run` in its own session; `stop_signal` on exit (SIGINT is what Ctrl-C sends)."""
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
        running: RunningStack | None = None
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
            running = RunningStack(Topology(offset=offset), run_dir, time.monotonic() - started)
            yield running
        finally:
            stopping = time.monotonic()
            process.send_signal(stop_signal)
            try:
                process.wait(timeout=60)
                if running is not None:
                    running.stop_s = time.monotonic() - stopping
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                _kill_supervisord(run_dir)
