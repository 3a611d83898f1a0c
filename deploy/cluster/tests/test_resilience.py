"""Pods coming and going on the live cluster: a rolling update under steady load loses no request, and a killed
pod costs only its own domain a few 503/504s before the Deployment's replacement serves again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Kube

ROLLED_TAG = "rolled"
# Steady, bounded load: each worker paces itself (well under the gateway's per-user read limit) and stops at its
# request budget or when told to.
WORKERS = 4
PACE_S = 0.25
MAX_REQUESTS_PER_WORKER = 1200


class SteadyLoad:
    """WORKERS users each calling one gateway route at a fixed pace; every outcome counted."""

    def __init__(self, base_url: str, token: Callable[[str], str], path: str) -> None:
        self._base_url, self._token, self._path = base_url, token, path
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        self._threads = [threading.Thread(target=self._work, args=(n,), daemon=True) for n in range(WORKERS)]

    def _work(self, n: int) -> None:
        headers = {"authorization": f"Bearer {self._token(f'load-{n}-{time.time_ns()}')}"}
        with httpx.Client(base_url=self._base_url, headers=headers, trust_env=False, timeout=10) as client:
            for _ in range(MAX_REQUESTS_PER_WORKER):
                if self._stop.is_set():
                    return
                try:
                    outcome = str(client.get(self._path).status_code)
                except httpx.HTTPError as error:
                    outcome = type(error).__name__
                with self._lock:
                    self.outcomes[outcome] += 1
                time.sleep(PACE_S)

    def __enter__(self) -> SteadyLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def _image_of_ready_pods(kube: Kube, app: str) -> set[str]:
    return {c["image"] for pod in kube.ready_pods(app) for c in pod["spec"]["containers"]}


def test_a_rolling_update_under_steady_load_fails_no_request(
    kube: Kube, gateway_ip: str, token: Callable[[str], str]
) -> None:
    kube.load_image(kube.local_image("time"), kube.image("time", ROLLED_TAG))
    with SteadyLoad(f"http://{gateway_ip}:8000", token, "/v1/time/now?tz=Asia/Tokyo") as load:
        time.sleep(5)
        kube.install("time", "--set", f"image.tag={ROLLED_TAG}")
        kube.wait_until(
            "only new time pods serve",
            lambda: (
                _image_of_ready_pods(kube, "time") == {kube.image("time", ROLLED_TAG)}
                and len(kube.json("pods", "-l", "app=time")["items"]) == len(kube.ready_pods("time"))
            ),
        )
        time.sleep(5)
    total = sum(load.outcomes.values())
    failed = total - load.outcomes["200"]
    print(f"\nrolling update of time under load: {total} requests, {failed} failed, outcomes {dict(load.outcomes)}")
    assert total >= 100, load.outcomes
    assert failed == 0, load.outcomes

    kube.install("time")
    assert _image_of_ready_pods(kube, "time") == {kube.image("time")}


def test_a_killed_pod_is_replaced_and_only_its_domain_fails_meanwhile(kube: Kube, gateway: httpx.Client) -> None:
    (victim,) = kube.ready_pods("weather")
    victim_name = victim["metadata"]["name"]
    kube.kubectl("delete", "pod", victim_name, "--grace-period=0", "--force", "--wait=false")

    weather: Counter[int] = Counter()
    other: Counter[int] = Counter()
    deadline = time.monotonic() + 120
    recovered = False
    while time.monotonic() < deadline:
        status = gateway.get("/v1/weather/current", params={"lat": 35.68, "lon": 139.69}).status_code
        weather[status] += 1
        other[gateway.get("/v1/time/now", params={"tz": "Asia/Tokyo"}).status_code] += 1
        replaced = any(pod["metadata"]["name"] != victim_name for pod in kube.ready_pods("weather"))
        if status == 200 and replaced and (weather[503] + weather[504]) > 0:
            recovered = True
            break
        time.sleep(0.5)
    print(f"\nweather while its pod was replaced: {dict(weather)}; time meanwhile: {dict(other)}")
    assert set(weather) <= {200, 503, 504}, weather
    assert weather[503] + weather[504] > 0, weather
    assert recovered, weather
    assert set(other) == {200}, other
