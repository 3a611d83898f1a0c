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
    kube.retag("time", ROLLED_TAG)
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


def test_a_killed_pod_is_replaced_and_only_its_domain_fails_meanwhile(
    kube: Kube, gateway_ip: str, token: Callable[[str], str]
) -> None:
    (victim,) = kube.ready_pods("weather")
    victim_name = victim["metadata"]["name"]
    statuses: dict[str, Counter[int]] = {"down": Counter(), "time": Counter(), "recovering": Counter()}

    def call(client: httpx.Client, path: str, params: dict[str, str | float]) -> int:
        # A fresh user per request: the per-user rate limits must not be what answers.
        headers = {"authorization": f"Bearer {token(f'kill-{time.time_ns()}')}"}
        return client.get(path, params=params, headers=headers).status_code

    with httpx.Client(base_url=f"http://{gateway_ip}:8000", trust_env=False, timeout=10) as client:
        # The node cordoned, the replacement the Deployment makes stays Pending: the gap is seen, not raced.
        kube.run("kubectl", "cordon", "node1")
        try:
            kube.kubectl("delete", "pod", victim_name, "--grace-period=0", "--force")
            # The API object goes at once; the kubelet stops the container moments later. Until then it serves.
            kube.wait_until(
                "the killed pod stops answering",
                lambda: call(client, "/v1/weather/current", {"lat": 35.68, "lon": 139.69}) != 200,
                timeout_s=30,
            )
            for _ in range(6):
                statuses["down"][call(client, "/v1/weather/current", {"lat": 35.68, "lon": 139.69})] += 1
                statuses["time"][call(client, "/v1/time/now", {"tz": "Asia/Tokyo"})] += 1
                time.sleep(0.5)
            replacements = [
                p for p in kube.json("pods", "-l", "app=weather")["items"] if p["metadata"]["name"] != victim_name
            ]
        finally:
            kube.run("kubectl", "uncordon", "node1")
        recovered_after = kube.wait_until(
            "weather answers again through the gateway",
            lambda: (
                statuses["recovering"].update([call(client, "/v1/weather/current", {"lat": 35.68, "lon": 139.69})])
                or statuses["recovering"][200] > 0
            ),
            timeout_s=90,
        )
    print(
        f"\nweather pod killed: {dict(statuses['down'])} while down, time meanwhile {dict(statuses['time'])}, "
        f"weather back after {recovered_after:.1f} s ({dict(statuses['recovering'])})"
    )
    assert len(replacements) == 1, "the Deployment made no replacement pod"
    assert set(statuses["down"]) <= {503, 504}, statuses
    assert set(statuses["time"]) == {200}, statuses
    assert set(statuses["recovering"]) <= {200, 503, 504}, statuses
    assert [p["metadata"]["name"] for p in kube.ready_pods("weather")] == [replacements[0]["metadata"]["name"]]
