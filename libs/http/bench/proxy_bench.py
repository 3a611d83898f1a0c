"""Which transport should the service-to-service client use? Measure it.

A FastAPI upstream returns a 20-item JSON list; a FastAPI proxy in front of it calls it once per request through
one client under test; `wrk` (a separate process) loads the proxy over loopback. Each figure is the median of
several runs; the spread (min-max) is printed beside it.

    uv run python libs/http/bench/proxy_bench.py --runs 3 --seconds 8 --out /tmp/proxy-bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tripsage_bench import wrk
from tripsage_bench.suite import spread
from tripsage_testing.ports import free_port

CLIENTS = ("httpx", "httpx-aiohttp", "service-client", "aiohttp", "aiohttp-httpx-response")
ITEMS = [{"id": i, "name": f"item-{i}", "price": 100 + i, "tags": ["a", "b"]} for i in range(20)]


def _upstream_app() -> Any:
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI()
    body = json.dumps(ITEMS).encode()

    @app.get("/items")
    async def items() -> Response:
        return Response(body, media_type="application/json")

    return app


def _proxy_app(client_kind: str, upstream: str) -> Any:
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from fastapi.responses import Response

    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        if client_kind == "httpx":
            state["client"] = httpx.AsyncClient(base_url=upstream, limits=httpx.Limits(max_connections=200))
        elif client_kind == "httpx-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            state["client"] = httpx.AsyncClient(
                base_url=upstream, transport=AiohttpTransport(limits=httpx.Limits(max_connections=200))
            )
        elif client_kind == "service-client":
            from tripsage_http import ServiceClient

            state["client"] = ServiceClient(name="upstream", base_url=upstream)
        else:  # aiohttp, aiohttp-httpx-response
            import aiohttp

            state["session"] = aiohttp.ClientSession(upstream, connector=aiohttp.TCPConnector(limit=200))
        yield
        if "session" in state:
            await state["session"].close()
        else:
            await state["client"].aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/items")
    async def items() -> Response:
        if client_kind == "aiohttp":
            async with state["session"].get("/items") as upstream_response:
                body = await upstream_response.read()
        elif client_kind == "aiohttp-httpx-response":
            async with state["session"].get("/items") as upstream_response:
                wrapped = httpx.Response(
                    upstream_response.status,
                    headers=upstream_response.raw_headers,
                    content=await upstream_response.read(),
                    request=httpx.Request("GET", str(upstream_response.url)),
                )
            body = wrapped.content
        elif client_kind == "service-client":
            body = (await state["client"].request("GET", "/items")).content
        else:
            body = (await state["client"].get("/items")).content
        return Response(body, media_type="application/json")

    return app


def _serve(role: str, port: int, client_kind: str, upstream: str) -> None:
    import uvicorn

    app = _upstream_app() if role == "upstream" else _proxy_app(client_kind, upstream)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )


def _start(role: str, client_kind: str = "", upstream: str = "") -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--serve",
            role,
            "--port",
            str(port),
            "--client",
            client_kind or "httpx",
            "--upstream",
            upstream or "-",
        ],
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/items", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{role} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    return {key: spread([sample[key] for sample in samples]) for key in samples[0]}


def run(runs: int, seconds: int, connections: int, clients: tuple[str, ...] = CLIENTS) -> dict[str, Any]:
    if not wrk.available():
        raise SystemExit("wrk is not installed: apt-get install wrk")
    upstream, upstream_url = _start("upstream")
    results: dict[str, Any] = {
        "connections": connections,
        "seconds": seconds,
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())},
    }
    try:
        wrk.run(upstream_url + "/items", connections=connections, seconds=2)  # warm-up
        results["upstream-alone"] = _summary(
            [wrk.run(upstream_url + "/items", connections=connections, seconds=seconds) for _ in range(runs)]
        )
        for kind in clients:
            samples = []
            for _ in range(runs):
                proxy, proxy_url = _start("proxy", kind, upstream_url)
                try:
                    wrk.run(proxy_url + "/items", connections=connections, seconds=2)
                    samples.append(wrk.run(proxy_url + "/items", connections=connections, seconds=seconds))
                finally:
                    _stop(proxy)
            results[kind] = _summary(samples)
    finally:
        _stop(upstream)
    return results


def markdown(results: dict[str, Any]) -> str:
    rows = ["| client in the proxy | req/s (median, min-max) | p50 ms | p90 ms | p99 ms |", "|---|---|---|---|---|"]
    for name in ("upstream-alone", *CLIENTS):
        if name not in results:
            continue
        r = results[name]
        rows.append(
            f"| {name} | {r['rps']['median']:.0f} ({r['rps']['min']:.0f}-{r['rps']['max']:.0f}) "
            f"| {r['p50_ms']['median']:.2f} | {r['p90_ms']['median']:.2f} | {r['p99_ms']['median']:.2f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", nargs="*", help="measure only these clients")
    parser.add_argument("--serve", choices=["upstream", "proxy"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", default="httpx", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", default="-", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port, args.client, args.upstream)
        return
    results = run(args.runs, args.seconds, args.connections, tuple(args.only or CLIENTS))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    print(markdown(results))


if __name__ == "__main__":
    main()
