"""`make run` stops fast: Ctrl-C stops every process side by side, every port free again (issue 20).

How fast is a figure of `make bench` (8_stop, about 3 s); this test only tells side by side from one at a time.
"""

from __future__ import annotations

import os
import signal
import socket
import tempfile
from pathlib import Path

import psutil
import pytest

from tripsage_devstack.harness import running_stack
from tripsage_devstack.supervisor import redis_available
from tripsage_devstack.topology import POSTGRES_PORT, REDIS_PORT, SANDBOX_PORT, SERVICES

# Its own ports: beside a developer's `make run` (0), the e2e stack (20000) and the bench smoke run (6000).
OFFSET = int(os.environ.get("TRIPSAGE_DEVSTACK_TEST_PORT_OFFSET", "7000"))
REPO = Path(__file__).resolve().parents[3]
# Stopping the programs one at a time took 15-18 s on an idle machine, side by side about 3 s: the bound tells the two
# apart with room for a busy machine on the side-by-side one.
ONE_AT_A_TIME_S = 12.0


def _stack_processes(run_dir: Path) -> list[psutil.Process]:
    supervisord = psutil.Process(int((run_dir / "supervisord.pid").read_text().strip()))
    return [supervisord, *supervisord.children(recursive=True)]


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a restarted server binds: TIME_WAIT is fine
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.timeout(420)
def test_ctrl_c_stops_every_process_side_by_side_and_frees_every_port() -> None:
    # Not under pytest's tmp_path: a concurrent pytest run prunes old basetemps, Postgres data dir included.
    with tempfile.TemporaryDirectory(prefix="tripsage-stop-") as scratch:
        run_dir = Path(scratch)
        # A generous start: what this test measures is the stop.
        with running_stack(
            offset=OFFSET, run_dir=run_dir, cwd=REPO, ready_timeout_s=300, stop_signal=signal.SIGINT
        ) as stack:
            processes = _stack_processes(run_dir)
            stores = (POSTGRES_PORT, REDIS_PORT) if redis_available() else (POSTGRES_PORT,)
            ports = [stack.topology.port(p) for p in (*stores, SANDBOX_PORT)]
            ports += [stack.topology.port(service.port) for service in SERVICES]
            assert not any(_port_is_free(port) for port in ports)  # the check below can fail

        _, alive = psutil.wait_procs(processes, timeout=1)
        assert [process.pid for process in alive] == []
        assert [port for port in ports if not _port_is_free(port)] == []
        assert stack.stop_s is not None
        assert stack.stop_s < ONE_AT_A_TIME_S, f"Ctrl-C took {stack.stop_s:.1f} s"
