"""Run supervisord for the stack and stop it fast: every process at once.

supervisord's own shutdown stops its programs one at a time (every program is its own group, stopped in reverse
priority order), waiting for each to exit and then for a turn of its 1 s poll loop: with a second of drain per
service, Ctrl-C took 15-18 s. Here the first Ctrl-C or SIGTERM asks supervisord over its socket to stop every
program without waiting, so they stop side by side, then shuts supervisord down with nothing left to stop. Postgres
stops with the services rather than after them: its shutdown checkpoint is the longest stop (2.7 s measured on a
busy disk) and overlaps their drain; a request arriving in the last second of a dev stack may see a 503. A second
Ctrl-C goes straight to supervisord's own shutdown.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path
from types import FrameType
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

_STOPPED_STATES = frozenset({"STOPPED", "EXITED", "FATAL", "UNKNOWN"})
_STOP_TIMEOUT_S = 30.0


def _rpc(socket_path: Path) -> Any:
    transport = SupervisorTransport(None, None, serverurl=f"unix://{socket_path}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def _stop_every_program(rpc: Any) -> None:
    """Signal every running program at once, then wait until all of them have exited."""
    for info in rpc.supervisor.getAllProcessInfo():
        if info["statename"] not in _STOPPED_STATES:
            with contextlib.suppress(xmlrpc.client.Fault):  # it exited meanwhile
                rpc.supervisor.stopProcess(info["name"], False)  # False: signal it and return
    deadline = time.monotonic() + _STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        states = rpc.supervisor.getAllProcessInfo()
        if all(p["statename"] in _STOPPED_STATES for p in states):
            return
        time.sleep(0.05)


def _stop_stack(socket_path: Path) -> None:
    rpc = _rpc(socket_path)
    try:
        _stop_every_program(rpc)
        # Nothing left running, so supervisord exits at once (its own stop takes a ~1 s loop turn per program).
        rpc.supervisor.shutdown()
    except (OSError, xmlrpc.client.Error):
        pass  # supervisord is already going away


def run_supervisord(conf: Path, socket_path: Path) -> int:
    """Run supervisord in the foreground until it exits; returns its exit code."""
    # Its own session: the terminal's Ctrl-C reaches only us, and we decide the order of the stop.
    supervisord = subprocess.Popen(  # noqa: S603 - our interpreter, our config
        [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(conf)], start_new_session=True
    )
    stopping: list[threading.Thread] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stopping:  # a second Ctrl-C: the operator wants out now
            supervisord.send_signal(signal.SIGTERM)
            return
        print("\nStopping the stack...", file=sys.stderr, flush=True)
        stopper = threading.Thread(target=_stop_stack, args=(socket_path,), daemon=True)
        stopping.append(stopper)
        stopper.start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        return supervisord.wait()
    finally:
        if supervisord.poll() is None:  # we are failing ourselves: never leave the stack running
            supervisord.terminate()
            supervisord.wait()
