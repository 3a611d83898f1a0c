"""Start the stack exactly as `make run` does (same command, ports shifted so a running dev stack is untouched)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tripsage_devstack.cli import wait_until_ready
from tripsage_devstack.topology import Topology

OFFSET = int(os.environ.get("TRIPSAGE_E2E_PORT_OFFSET", "20000"))
REPO = Path(__file__).resolve().parent.parent
STARTUP_BUDGET_S = 60.0


@dataclass
class Stack:
    topology: Topology
    run_dir: Path
    startup_s: float

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.run_dir / "supervisord.conf"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stdout

    def token(self, sub: str = "dev-user") -> str:
        result = subprocess.run(
            [sys.executable, "-m", "tripsage_devstack.cli", "token", "--sub", sub],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("stack")
    log = (run_dir / "stack.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tripsage_devstack.cli", "run", "--offset", str(OFFSET), "--run-dir", str(run_dir)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    try:
        wait_until_ready(Topology(offset=OFFSET), timeout_s=STARTUP_BUDGET_S * 2)
        yield Stack(Topology(offset=OFFSET), run_dir, time.monotonic() - started)
    except TimeoutError:
        print((run_dir / "stack.log").read_text()[-5000:])
        raise
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
