"""A throwaway redis-server (no persistence) for tests and the dev stack."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import redis

from tripsage_testing._lifecycle import StartedServer

_READY_POLL_SECONDS = 0.02


class RedisServerError(RuntimeError):
    """redis-server is missing, failed to start, or did not stop."""


def _redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisServerError(
            "redis-server is not on PATH; install it (Debian/Ubuntu: `apt-get install redis-server`)"
        )
    return binary


class RedisServer(StartedServer):
    """redis-server on `host:port` with RDB and AOF persistence disabled."""

    def __init__(self, port: int, host: str = "127.0.0.1", *, start_timeout: float = 10.0) -> None:
        self.port = port
        self.host = host
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._output: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def url(self) -> str:
        """Connection URL of database 0."""
        return f"redis://{self.host}:{self.port}/0"

    def command(self) -> list[str]:
        """The redis-server command line (binary resolved from PATH)."""
        return [
            _redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            self.host,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            "",
        ]

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        if self.is_running():
            return
        self._output = tempfile.NamedTemporaryFile(prefix="tripsage-redis-", suffix=".log")  # noqa: SIM115
        self._process = subprocess.Popen(  # noqa: S603
            self.command(), stdout=self._output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self._wait_until_ready()

    def stop(self) -> None:
        """SIGTERM (clean shutdown, nothing saved) and wait for the process to exit."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._output is not None:
            self._output.close()
            self._output = None

    def is_running(self) -> bool:
        """Whether the server process we started is alive."""
        return self._process is not None and self._process.poll() is None

    def run_foreground(self) -> int:
        """Replace this process with redis-server (it handles SIGTERM itself); returns only on exec failure."""
        command = self.command()
        os.execv(command[0], command)  # noqa: S606
        return 1  # pragma: no cover

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        client = redis.Redis(host=self.host, port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    message = f"redis-server exited with {self._process.returncode}: {self._log()}"
                    self.stop()
                    raise RedisServerError(message)
                try:
                    # The pid check tells our server from another one already on this port.
                    if client.info("server").get("process_id") == self._process.pid:
                        return
                    time.sleep(_READY_POLL_SECONDS)
                except redis.RedisError:
                    time.sleep(_READY_POLL_SECONDS)
        finally:
            client.close()
        self.stop()
        raise RedisServerError(f"redis-server on port {self.port} not ready after {self.start_timeout}s")

    def _log(self) -> str:
        if self._output is None:
            return ""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")[-2000:]


def main(argv: list[str] | None = None) -> int:
    """`python -m tripsage_testing.redis --port N`: run redis-server in the foreground (dev stack)."""
    parser = argparse.ArgumentParser(description="Run a non-persistent redis-server in the foreground.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    return RedisServer(args.port, args.host).run_foreground()


if __name__ == "__main__":
    sys.exit(main())
