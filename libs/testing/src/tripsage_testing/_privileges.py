"""Run server binaries as an unprivileged user when we are root (Postgres refuses to run as root)."""

from __future__ import annotations

import contextlib
import os
import pwd
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

# Same account pgserver itself creates when run as root, so both tools share one owner of data dirs.
SERVICE_USER = "pgserver"


@dataclass(frozen=True)
class RunAs:
    """Who a server process runs as; empty when we are not root and need no switch."""

    uid: int | None = None
    gid: int | None = None

    def popen_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for subprocess that drop root: uid, gid and no supplementary groups."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def give(self, path: Path) -> None:
        """Hand ownership of a directory we created to the service user."""
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


@contextlib.contextmanager
def quiet_pgserver_import() -> Iterator[None]:
    """Import pgserver without its warning about XDG_RUNTIME_DIR (it only matters to its own lock file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def running_as_root() -> bool:
    """True when the current process has effective uid 0."""
    return os.geteuid() == 0


def service_identity() -> RunAs:
    """Return how to run servers: as root, as the (created on demand) service user; else as ourselves."""
    if not running_as_root():
        return RunAs()
    entry = _ensure_service_user()
    return RunAs(uid=entry.pw_uid, gid=entry.pw_gid)


def _ensure_service_user() -> pwd.struct_passwd:
    with quiet_pgserver_import():
        from pgserver.utils import ensure_user_exists

    try:
        entry = ensure_user_exists(SERVICE_USER)
    except subprocess.CalledProcessError:
        # Another process (an xdist worker) created the user between the lookup and useradd.
        entry = pwd.getpwnam(SERVICE_USER)
    assert entry is not None
    return cast(pwd.struct_passwd, entry)
