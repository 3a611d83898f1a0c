"""The mesh `make mesh-test` installs (deploy/cluster/mesh/mesh.sh) on the live cluster, as fixtures for its proofs.

Traffic enters where production's does, at the Istio ingress gateway; what Envoy did with it is read from the
sidecars' own statistics (pilot-agent's view of Envoy's admin API), so each proof counts what the mesh routed.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Kube  # the cluster tests' own conftest, one folder up

INGRESS_NAMESPACE = "istio-ingress"
# The gateway's VirtualService lists its own Service host; the ingress Gateway admits any host of the namespace.
GATEWAY_HOST = "gateway.tripsage.svc.cluster.local"
FLIGHTS_PORT = 8001
# Bounded load: a pool of this many concurrent callers, each request with its own deadline.
CALLERS = 6
REQUEST_TIMEOUT_S = 20.0
_NOT_SENT = "not sent"
CALLER_LABEL = "mesh-test-caller"
# Twice Envoy's access log flush interval (its default, 1 s).
_LOG_FLUSH_S = 2.0


@pytest.fixture(scope="session")
def ingress_ip(kube: Kube) -> str:
    service = json.loads(
        kube.run("kubectl", "-n", INGRESS_NAMESPACE, "get", "service", "istio-ingressgateway", "-o", "json")
    )
    ip: str = service["spec"]["clusterIP"]
    return ip


@dataclass
class Mesh:
    """Calls into the mesh and readings of its Envoys, for the proofs."""

    kube: Kube
    ingress_ip: str
    token: Callable[[str], str]
    _callers: dict[tuple[str, bool], str] = field(default_factory=dict)
    # One client for all the load, made before any caller thread needs it: a new httpx.Client costs ~20 ms of CPU
    # (its TLS context), which 7,000 requests would take from the two cores the mesh runs on.
    _load: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self._load = self._client({}, limits=httpx.Limits(max_connections=CALLERS))

    @staticmethod
    def flight_search_params() -> dict[str, Any]:
        start = dt.date.today() + dt.timedelta(days=60)
        return {"origin": "SFO", "destination": "TYO", "departure_date": start.isoformat(), "adults": 1}

    def new_user(self) -> dict[str, str]:
        """The authorization of a fresh user: the gateway limits searches per user."""
        return {"authorization": f"Bearer {self.token(f'mesh-{uuid.uuid4().hex[:12]}')}"}

    def ingress(self, extra_headers: dict[str, str] | None = None) -> httpx.Client:
        """A client of the ingress gateway, authenticated as a fresh user."""
        return self._client({**self.new_user(), **(extra_headers or {})})

    def _client(self, headers: dict[str, str], **options: Any) -> httpx.Client:
        return httpx.Client(
            base_url=f"http://{self.ingress_ip}",
            headers={"host": GATEWAY_HOST, **headers},
            trust_env=False,
            timeout=REQUEST_TIMEOUT_S,
            **options,
        )

    def get_as_new_user(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> str:
        """One GET through the ingress as a fresh user: the status code, or the error's name."""
        try:
            return str(self._load.get(path, params=params, headers={**self.new_user(), **headers}).status_code)
        except httpx.HTTPError as error:
            return type(error).__name__

    def send_bounded(
        self,
        count: int,
        path: str,
        params: dict[str, Any],
        headers: dict[str, str],
        stop: threading.Event | None = None,
        per_second: float | None = None,
    ) -> dict[str, int]:
        """Up to `count` GETs through the ingress, CALLERS at a time, each as a fresh user, until `stop` is set;
        paced at `per_second` if given (steady load for as long as a switch takes), else as fast as they answer;
        outcomes by status or error."""
        started = time.monotonic()
        stop = stop or threading.Event()

        def one(index: int) -> str:
            if per_second is not None:
                stop.wait(max(0.0, started + index / per_second - time.monotonic()))
            if stop.is_set():
                return _NOT_SENT
            return self.get_as_new_user(path, params, headers)

        outcomes: dict[str, int] = {}
        with ThreadPoolExecutor(max_workers=CALLERS) as pool:
            for outcome in pool.map(one, range(count)):
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        outcomes.pop(_NOT_SENT, None)
        return outcomes

    def close(self) -> None:
        for pod in self._callers.values():
            self.kube.kubectl("delete", "pod", pod, "--wait=false", check=False)
        self._callers.clear()
        self._load.close()

    def envoy_stats(self, pod: str, namespace: str = "tripsage") -> dict[str, int]:
        """The counters of one pod's Envoy, read through pilot-agent inside its istio-proxy container."""
        text = self.kube.run(
            "kubectl", "-n", namespace, "exec", pod, "-c", "istio-proxy", "--", "pilot-agent", "request", "GET", "stats"
        )
        stats: dict[str, int] = {}
        for line in text.splitlines():
            name, _, value = line.partition(": ")
            if value.isdigit():
                stats[name] = int(value)
        return stats

    @staticmethod
    def subset_requests(stats: dict[str, int], service: str, port: int) -> dict[str, int]:
        """Requests this Envoy sent to each subset of `service` (its outbound|port|subset|host clusters)."""
        pattern = re.compile(
            rf"^cluster\.outbound\|{port}\|([a-z]+)\|{service}\.tripsage\.svc\.cluster\.local;?\.upstream_rq_total$"
        )
        return {m.group(1): value for name, value in stats.items() if (m := pattern.match(name))}

    def gateway_envoy_stats(self) -> dict[str, int]:
        """The counters of every gateway pod's Envoy, summed over the pods."""
        totals: collections.Counter[str] = collections.Counter()
        for pod in self.pod_names("gateway"):
            totals.update(self.envoy_stats(pod))
        return dict(totals)

    def gateway_subset_requests(self, service: str, port: int) -> dict[str, int]:
        """Requests the gateway's Envoys have sent to each subset of `service`."""
        return self.subset_requests(self.gateway_envoy_stats(), service, port)

    def gateway_api_calls(self, service: str, port: int, since: dt.datetime, at_least: int) -> dict[str, int]:
        """API calls (paths under /v1/) the gateway pods' Envoys sent to each subset of `service` since `since`, from
        their access logs, once at least `at_least` are there. Counters would mix in the gateway's readiness probes
        of each upstream's /health, which go through its Envoy too; Istio's default log line names the path and the
        upstream cluster (outbound|port|subset|host). Envoy flushes its log every second: read until the calls
        made are all there, then once more a flush later, bounded."""
        host = rf"{service}\.tripsage\.svc\.cluster\.local"
        line = re.compile(rf'"[A-Z]+ /v1/[^"]*" .* outbound\|{port}\|([a-z]+)\|{host} ')

        def read() -> dict[str, int]:
            totals: dict[str, int] = {}
            for pod in self.pod_names("gateway"):
                log = self.kube.kubectl("logs", pod, "-c", "istio-proxy", f"--since-time={since.isoformat()}")
                for match in filter(None, map(line.search, log.splitlines())):
                    totals[match[1]] = totals.get(match[1], 0) + 1
            return totals

        wait_for_route(lambda: sum(read().values()) >= at_least, f"{at_least} calls to {service} in the access log")
        time.sleep(_LOG_FLUSH_S)
        return read()

    def pod_names(self, app: str) -> list[str]:
        return [pod["metadata"]["name"] for pod in self.kube.ready_pods(app)]

    def callers(self, *wanted: tuple[str, bool]) -> list[str]:
        """Long-lived pods of the flights image to call from, one per (service account, with a sidecar or not) for
        the session, the missing ones started together: a meshed pod takes seconds to be Ready."""
        missing = [key for key in dict.fromkeys(wanted) if key not in self._callers]
        if missing:
            # Admitted at layers 3/4 to flights, so what the proofs observe is the mesh's own answer (mTLS refusal,
            # the AuthorizationPolicy's 403), not the namespace's default-deny dropping the packets first.
            self.kube.admit_test_caller(CALLER_LABEL, "flights", FLIGHTS_PORT, istiod=True)
            accounts = {sa["metadata"]["name"] for sa in self.kube.json("serviceaccounts")["items"]}
            for service_account in {sa for sa, _ in missing} - accounts:
                self.kube.kubectl("create", "serviceaccount", service_account)
            for key in missing:
                self._callers[key] = self._caller_pod(*key)
            names = [f"pod/{self._callers[key]}" for key in missing]
            self.kube.kubectl("wait", *names, "--for=condition=Ready", "--timeout=120s", timeout=150)
        return [self._callers[key] for key in wanted]

    def caller(self, *, service_account: str, meshed: bool) -> str:
        (pod,) = self.callers((service_account, meshed))
        return pod

    def _caller_pod(self, service_account: str, meshed: bool) -> str:
        name = f"caller-{'meshed' if meshed else 'plain'}-{service_account}-{uuid.uuid4().hex[:6]}"
        manifest = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "labels": {"app": CALLER_LABEL, "sidecar.istio.io/inject": "true" if meshed else "false"},
            },
            "spec": {
                "serviceAccountName": service_account,
                "terminationGracePeriodSeconds": 1,
                "containers": [
                    {
                        "name": "caller",
                        "image": self.kube.image("flights"),
                        "imagePullPolicy": "Never",
                        "command": ["python3", "-c", "import time; time.sleep(3600)"],
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": 10001,
                            "allowPrivilegeEscalation": False,
                        },
                    }
                ],
            },
        }
        self.kube.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
        return name

    def call_as(self, *, service_account: str, meshed: bool, url: str) -> str:
        """A GET of `url` from the session's caller pod of that service account: the status code, or the error's
        name."""
        return self.call_from(self.caller(service_account=service_account, meshed=meshed), url)

    def call_from(self, pod: str, url: str) -> str:
        """What a plain HTTP GET from inside `pod` got: the status code, or the error's name."""
        probe = (
            "import urllib.request, urllib.error\n"
            "try:\n"
            f"    print(urllib.request.urlopen({url!r}, timeout=10).status)\n"
            "except urllib.error.HTTPError as e:\n"
            "    print(e.code)\n"
            "except Exception as e:\n"
            "    print(type(e).__name__)\n"
        )
        return self.kube.kubectl("exec", pod, "-c", "caller", "--", "python3", "-c", probe, timeout=60).strip()


def wait_for_route(check: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    """Istio pushes config within seconds; wait until the data plane shows it, bounded."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so after {timeout_s:.0f} s")
        time.sleep(1.0)


@pytest.fixture(scope="session")
def mesh(kube: Kube, ingress_ip: str, token: Callable[[str], str]) -> Iterator[Mesh]:
    mesh = Mesh(kube, ingress_ip, token)
    yield mesh
    mesh.close()
