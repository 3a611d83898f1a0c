"""Measure the two ways to call Routes v2 / Places (New): Google's official clients (REST transport) against our
shared provider layer over plain HTTP (ServiceClient + ProviderCaller), both against a local sandbox.

    uv run --frozen --all-packages python services/maps/scripts/compare_google_clients.py [--port 25010] [--calls 200]

Prints added dependencies and their installed size, import time, RSS, and latency per call; docs/maps.md keeps
one run's figures as ratios. Every loop is bounded by --calls; the sandbox is ours and stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata as metadata
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable

_OFFICIAL = ("google-maps-routing", "google-maps-places")
_MASK = "routes.distanceMeters,routes.staticDuration,routes.legs.steps.travelMode"
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)")


def _requirements(name: str) -> list[str]:
    found = []
    for requirement in metadata.requires(name) or []:
        if "extra ==" in requirement:
            continue
        match = _REQUIREMENT.match(requirement)
        if match:
            found.append(match[1])
    return found


def _closure(roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = [metadata.distribution(root).metadata["Name"].lower() for root in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a marker-excluded requirement (another platform or Python)
        seen.add(dist.metadata["Name"].lower())
        todo.extend(r.lower() for r in _requirements(name))
    return seen


def _installed_bytes(name: str) -> int:
    dist = metadata.distribution(name)
    return sum(f.size or 0 for f in dist.files or [])


def _measure_in_fresh_process(imports: str) -> tuple[float, float]:
    """(seconds to import, RSS added in MiB) for `imports` on top of the maps service's own imports."""
    code = (
        "import time, resource\n"
        "import tripsage_maps.app\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.perf_counter()\n"
        f"{imports}\n"
        "took = time.perf_counter() - t\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(took, (after - before) / 1024)\n"
    )
    # Our own interpreter running our own code, in a fresh process so nothing is imported yet.
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)  # noqa: S603
    out = run.stdout.split()
    return float(out[0]), float(out[1])


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def _timed(calls: int, fn: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _official_latency(base_url: str, calls: int) -> list[float]:
    from google.api_core.client_options import ClientOptions
    from google.maps import routing_v2

    client = routing_v2.RoutesClient(
        client_options=ClientOptions(api_endpoint=base_url, api_key="AIzaSandbox"), transport="rest"
    )
    request = routing_v2.ComputeRoutesRequest(
        origin=routing_v2.Waypoint(address="Kyoto"),
        destination=routing_v2.Waypoint(address="Nara"),
        travel_mode="DRIVE",
    )

    def call() -> object:
        return client.compute_routes(request=request, metadata=[("x-goog-fieldmask", _MASK)], retry=None)

    _timed(20, call)  # warm-up: connection, lazy imports
    return _timed(calls, call)


async def _shared_layer_latency(base_url: str, calls: int) -> list[float]:
    from tripsage_http import BreakerPolicy, CallPolicy, RetryPolicy, ServiceClient
    from tripsage_maps.providers.google_rpc import Blame, GoogleRpcCaller

    client = ServiceClient(
        name="google-routes", base_url=base_url, retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(enabled=False)
    )
    rpc = GoogleRpcCaller(client, key="AIzaSandbox", provider="google-routes", policy=CallPolicy(budget_s=5))
    body = {"origin": {"address": "Kyoto"}, "destination": {"address": "Nara"}, "travelMode": "DRIVE"}
    samples = []
    try:
        for index in range(calls + 20):
            started = time.perf_counter()
            await rpc.request(
                "computeRoutes", "POST", "/directions/v2:computeRoutes", field_mask=_MASK, blame=Blame("x"), body=body
            )
            if index >= 20:  # the same warm-up as the official client's
                samples.append(time.perf_counter() - started)
    finally:
        await rpc.aclose()
    return samples


def _start_sandbox(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SANDBOX_HOST": "127.0.0.1", "SANDBOX_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tripsage_sandbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__sandbox/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the sandbox did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=25010)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    ours = _closure(["tripsage-maps"])
    added = sorted(_closure(_OFFICIAL) - ours)
    added_mib = sum(_installed_bytes(name) for name in added) / 2**20
    print(f"official clients add {len(added)} distributions ({added_mib:.1f} MiB installed): {', '.join(added)}")
    print("shared layer adds 0 distributions (tripsage-http is already a maps dependency)")

    official_import = _measure_in_fresh_process("import google.maps.routing_v2, google.maps.places_v1")
    shared_import = _measure_in_fresh_process(
        "import tripsage_maps.providers.google_routes, tripsage_maps.providers.google_places_new"
    )
    print(
        f"import on top of the service: official {official_import[0] * 1000:.0f} ms, +{official_import[1]:.1f} MiB RSS"
    )
    print(f"import on top of the service: shared {shared_import[0] * 1000:.0f} ms, +{shared_import[1]:.1f} MiB RSS")

    sandbox = _start_sandbox(args.port)
    try:
        base_url = f"http://127.0.0.1:{args.port}"
        official = _percentiles(_official_latency(base_url, args.calls))
        shared = _percentiles(asyncio.run(_shared_layer_latency(base_url, args.calls)))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(f"computeRoutes x{args.calls}: official median {official[0]:.2f} ms, p95 {official[1]:.2f} ms")
    print(f"computeRoutes x{args.calls}: shared   median {shared[0]:.2f} ms, p95 {shared[1]:.2f} ms")


if __name__ == "__main__":
    main()
