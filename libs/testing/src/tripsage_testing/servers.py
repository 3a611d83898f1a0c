"""Real HTTP servers for tests: an ASGI app on a uvicorn thread, or a service as its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tripsage_testing.ports import free_port


def wait_for_http(url: str, *, timeout_s: float = 30.0, status: int = 200) -> None:
    """Poll `url` until it answers `status`; raise TimeoutError naming the url otherwise."""
    deadline = time.monotonic() + timeout_s
    last: str = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=1.0, trust_env=False)
            if response.status_code == status:
                return
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer {status} within {timeout_s} s (last: {last})")


@contextmanager
def serve_in_thread(app: Any, *, port: int | None = None, ready_path: str | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    port = port or free_port()
    # A stop waits at most a second for requests still running: tests hold some for a minute (a "slow" upstream) to
    # be sure no load delay comes near, and abandon them long before.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    try:
        if ready_path:
            wait_for_http(base_url + ready_path)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class ServiceProcess:
    """A service run as its own OS process, the way production runs it; stop() sends SIGTERM like Kubernetes."""

    def __init__(
        self, command: Sequence[str], *, env: Mapping[str, str], ready_url: str, log_path: Path | None = None
    ) -> None:
        self.command = list(command)
        self.env = {**os.environ, **env}
        self.ready_url = ready_url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout_s: float = 30.0) -> ServiceProcess:
        if self.log_path is None:
            self.process = subprocess.Popen(  # noqa: S603 - the test's own command
                self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
            )
        else:
            # The child keeps its own descriptor; ours is closed at once.
            with self.log_path.open("ab") as output:
                self.process = subprocess.Popen(self.command, env=self.env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            wait_for_http(self.ready_url, timeout_s=timeout_s)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self, *, timeout_s: float = 15.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=5)

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class ScriptedUpstream:
    """A real HTTP upstream whose answers a test scripts per key, and which records what it received."""

    def __init__(self) -> None:
        self.scripts: defaultdict[str, deque[tuple[int, dict[str, str]]]] = defaultdict(deque)
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, dict[str, str]] = {}
        self.bodies: dict[str, bytes] = {}
        # Out of the schema: the stacked routes would give FastAPI duplicate operation ids to warn about.
        self.app = FastAPI(openapi_url=None)

        @self.app.api_route("/{prefix:path}/scripted/{key}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        @self.app.api_route("/scripted/{key}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def scripted(key: str, request: Request) -> Response:
            self.hits[key] += 1
            self.headers[key] = dict(request.headers)
            self.bodies[key] = await request.body()
            status, headers = self.scripts[key].popleft() if self.scripts[key] else (200, {})
            return JSONResponse(
                {"key": key, "hit": self.hits[key], "query": str(request.url.query)},
                status_code=status,
                headers=headers,
            )

        @self.app.get("/{prefix:path}/slow/{key}")
        @self.app.get("/slow/{key}")
        async def slow(key: str, seconds: float) -> dict[str, str]:
            self.hits[key] += 1
            await asyncio.sleep(seconds)
            return {"key": key}

        @self.app.get("/{prefix:path}/search")
        async def search(prefix: str) -> dict[str, str]:
            self.hits["search"] += 1
            return {"searched": prefix}

        @self.app.get("/health")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

    def script(self, key: str, *answers: int | tuple[int, dict[str, str]]) -> None:
        for answer in answers:
            self.scripts[key].append(answer if isinstance(answer, tuple) else (answer, {}))
