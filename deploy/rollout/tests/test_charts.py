"""The rendered manifests of every chart and environment hold the deployment rules, checked offline."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tripsage_rollout import plan
from tripsage_rollout.charts import ENVIRONMENTS, SERVICES, ChartError, Release, objects_of_kind, run_helm

CHARTS_DIR = Path(__file__).resolve().parents[3] / "helm"
NAMESPACE = "tripsage"  # the conftest renders into this namespace
Render = Callable[..., list[dict[str, Any]]]
MATRIX = [(service, env) for service in SERVICES for env in ENVIRONMENTS]
# Rollout states every rule must hold in, not only the default one.
SCENARIOS: dict[str, dict[str, str]] = {
    "stable-only": {},
    "canary-10": plan.canary("0.2.0", 10),
    "blue-green-green": {**plan.switch("green"), "blueGreen.green.tag": "0.2.0"},
}
PROVIDERS = {
    "gateway": set(),
    "flights": {"api.amadeus.com"},
    "stays": {"api.amadeus.com"},
    "maps": {"maps.googleapis.com", "routes.googleapis.com", "places.googleapis.com"},
    "weather": {"api.openweathermap.org"},
    "time": set(),
    "memory": {"api.openai.com"},
}
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|CLIENT_ID|DATABASE_URL|REDIS_URL", re.IGNORECASE)


def _pod_templates(objects: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            yield f"{obj['kind']}/{obj['metadata']['name']}", obj["spec"]["template"]


def _matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _weights(route: Mapping[str, Any]) -> dict[str, int]:
    return {dest["destination"]["subset"]: dest["weight"] for dest in route["route"]}


def _primary_weights(objects: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The split of every request without the tester header; GET/HEAD have a route of their own, split alike."""
    (virtual_service,) = objects_of_kind(objects, "VirtualService")
    routes = {route["name"]: route for route in virtual_service["spec"]["http"]}
    assert _weights(routes["idempotent"]) == _weights(routes["primary"])
    return _weights(routes["primary"])


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_chart_passes_strict_lint_in_every_environment(helm: str, service: str, env: str) -> None:
    release = Release(service, env, NAMESPACE, CHARTS_DIR)
    values = [arg for path in release.values_files for arg in ("--values", str(path))]
    output = run_helm([helm, "lint", "--strict", str(release.chart), *values])
    assert "0 chart(s) failed" in output


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_renders_every_object_a_service_needs(rendered: Render, service: str, env: str) -> None:
    kinds = {obj["kind"] for obj in rendered(service, env)}
    expected = {
        "Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap",
        "NetworkPolicy", "VirtualService", "DestinationRule", "PeerAuthentication", "AuthorizationPolicy",
    }  # fmt: skip
    assert expected <= kinds
    assert ("ServiceEntry" in kinds) == bool(PROVIDERS[service])


@pytest.mark.parametrize("weight", [1, 10, 25, 50, 100])
def test_canary_weights_follow_canary_weight_and_sum_to_100(rendered: Render, weight: int) -> None:
    weights = _primary_weights(rendered("flights", "production", plan.canary("0.2.0", weight)))
    assert weights == {"stable": 100 - weight, "canary": weight}
    assert sum(weights.values()) == 100


def test_without_a_canary_stable_takes_every_request_and_no_canary_runs(rendered: Render) -> None:
    objects = rendered("flights", "production")
    assert _primary_weights(objects) == {"stable": 100}
    assert [d["metadata"]["name"] for d in objects_of_kind(objects, "Deployment")] == ["flights-stable"]


def test_tester_header_routes_to_the_canary_first(rendered: Render) -> None:
    (virtual_service,) = objects_of_kind(rendered("maps", "staging", plan.canary("0.2.0", 10)), "VirtualService")
    first, second = virtual_service["spec"]["http"][:2]
    tester = {"x-tripsage-canary": {"exact": "always"}}
    assert first["match"] == [{"headers": tester, "method": {"regex": "GET|HEAD"}}]
    assert second["match"] == [{"headers": tester}]
    for route in (first, second):
        assert [dest["destination"]["subset"] for dest in route["route"]] == ["canary"]


def test_canary_runs_its_own_image_beside_stable(rendered: Render) -> None:
    deployments = objects_of_kind(rendered("weather", "production", plan.canary("0.2.0", 10)), "Deployment")
    images = {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"] for d in deployments}
    assert images == {
        "weather-stable": "ghcr.io/tripsage/tripsage-weather:0.1.0",
        "weather-canary": "ghcr.io/tripsage/tripsage-weather:0.2.0",
    }


def test_blue_green_sends_every_request_to_the_active_colour(rendered: Render) -> None:
    objects = rendered("time", "production", SCENARIOS["blue-green-green"])
    assert _primary_weights(objects) == {"blue": 0, "green": 100}
    (virtual_service,) = objects_of_kind(objects, "VirtualService")
    assert virtual_service["spec"]["http"][0]["route"][0]["destination"]["subset"] == "blue"


@pytest.mark.parametrize(
    "overrides",
    [
        {**plan.canary("0.2.0", 10), "canary.weight": "101"},
        {"canary.enabled": "true"},
        {**plan.switch("blue"), "blueGreen.active": "red"},
    ],
)
def test_invalid_rollout_values_fail_the_render(rendered: Render, overrides: dict[str, str]) -> None:
    with pytest.raises(ChartError):
        rendered("time", "production", overrides)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_subset_has_pods_and_the_service_selects_every_version(
    rendered: Render, service: str, scenario: str
) -> None:
    objects = rendered(service, "production", SCENARIOS[scenario])
    (destination_rule,) = objects_of_kind(objects, "DestinationRule")
    (k8s_service,) = objects_of_kind(objects, "Service")
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in objects_of_kind(objects, "Deployment")]
    subsets = destination_rule["spec"]["subsets"]
    assert len(subsets) == len(pod_labels)
    for subset in subsets:
        assert any(_matches(subset["labels"], labels) for labels in pod_labels), subset["name"]
    assert k8s_service["spec"]["selector"] == {"app": service}
    assert all(_matches(k8s_service["spec"]["selector"], labels) for labels in pod_labels)
    assert set(_primary_weights(objects)) == {s["name"] for s in subsets}
    assert sum(_primary_weights(objects).values()) == 100


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_every_workload_has_probes_resources_and_a_locked_down_security_context(
    rendered: Render, service: str, env: str
) -> None:
    for name, template in _pod_templates(rendered(service, env, SCENARIOS["canary-10"])):
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        (container,) = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        assert security["runAsUser"] == 10001, name
        assert container["resources"] == {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        }, name
        assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"], name  # noqa: S108
        if name.startswith("Deployment/"):
            assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
            assert container["startupProbe"]["httpGet"]["path"] == "/health", name
            assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0, name
            assert pod["terminationGracePeriodSeconds"] > 20 + container["lifecycle"]["preStop"]["sleep"]["seconds"]


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_every_workload_is_held_by_a_network_policy_both_ways(rendered: Render, service: str, env: str) -> None:
    objects = rendered(service, env, SCENARIOS["canary-10"])
    policies = objects_of_kind(objects, "NetworkPolicy")
    for name, template in _pod_templates(objects):
        labels = template["metadata"]["labels"]
        # The workload's own policy, not only the namespace-wide deny (which selects every pod).
        own = [p for p in policies if p["spec"]["podSelector"].get("matchLabels")]
        covering = [p for p in own if _matches(p["spec"]["podSelector"]["matchLabels"], labels)]
        assert covering, f"{name} is not selected by any NetworkPolicy"
        assert any({"Ingress", "Egress"} <= set(p["spec"]["policyTypes"]) for p in covering), name


def test_one_chart_denies_everything_in_the_namespace_by_default(rendered: Render) -> None:
    owners = []
    for service in SERVICES:
        for policy in objects_of_kind(rendered(service), "NetworkPolicy"):
            if policy["spec"]["podSelector"] == {}:
                assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
                assert "ingress" not in policy["spec"]
                assert "egress" not in policy["spec"]
                owners.append(service)
    assert owners == ["gateway"]


def test_only_the_gateway_is_reachable_from_the_ingress_gateway(rendered: Render) -> None:
    for service in SERVICES:
        (policy,) = [p for p in objects_of_kind(rendered(service), "NetworkPolicy") if p["metadata"]["name"] == service]
        sources = [peer for rule in policy["spec"]["ingress"] for peer in rule.get("from", [])]
        from_ingress = any(
            peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            == "istio-ingress"
            for peer in sources
        )
        assert from_ingress == (service == "gateway"), service
        if service != "gateway":
            assert sources == [{"podSelector": {"matchLabels": {"app": "gateway"}}}]


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_no_secret_value_is_rendered(rendered: Render, service: str, env: str) -> None:
    objects = rendered(service, env)
    assert not objects_of_kind(objects, "Secret")
    (config_map,) = objects_of_kind(objects, "ConfigMap")
    assert not [key for key in config_map["data"] if _SECRET_NAME.search(key)]
    for name, template in _pod_templates(objects):
        for variable in template["spec"]["containers"][0]["env"]:
            if _SECRET_NAME.search(variable["name"]):
                assert "value" not in variable, f"{name} sets {variable['name']} literally"
                assert "secretKeyRef" in variable["valueFrom"], variable["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_mesh_requires_mtls_and_admits_callers_by_service_account(rendered: Render, service: str) -> None:
    objects = rendered(service)
    (peer_authentication,) = objects_of_kind(objects, "PeerAuthentication")
    assert peer_authentication["spec"]["mtls"] == {"mode": "STRICT"}
    (policy,) = objects_of_kind(objects, "AuthorizationPolicy")
    principals = [p for rule in policy["spec"]["rules"] for s in rule["from"] for p in s["source"]["principals"]]
    if service == "gateway":
        assert principals == ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]
    else:
        assert principals == [f"cluster.local/ns/{NAMESPACE}/sa/gateway"]


@pytest.mark.parametrize(("service", "env"), MATRIX)
def test_service_entries_name_exactly_the_provider_hosts(rendered: Render, service: str, env: str) -> None:
    hosts = {
        host for entry in objects_of_kind(rendered(service, env), "ServiceEntry") for host in entry["spec"]["hosts"]
    }
    expected = set(PROVIDERS[service])
    if env != "production" and service in ("flights", "stays"):
        expected = {"test.api.amadeus.com"}
    assert hosts == expected


def test_production_autoscales_3_to_10_on_cpu_70_and_memory_80(rendered: Render) -> None:
    (hpa,) = objects_of_kind(rendered("gateway", "production"), "HorizontalPodAutoscaler")
    spec = hpa["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 10)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in spec["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    assert spec["scaleTargetRef"]["name"] == "gateway-stable"


def test_every_deployment_has_a_disruption_budget(rendered: Render) -> None:
    objects = rendered("stays", "production", SCENARIOS["canary-10"])
    budgets = objects_of_kind(objects, "PodDisruptionBudget")
    for deployment in objects_of_kind(objects, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(_matches(b["spec"]["selector"]["matchLabels"], labels) for b in budgets)


def test_migrations_run_once_as_a_failing_pre_install_and_pre_upgrade_hook(rendered: Render) -> None:
    jobs = {service: objects_of_kind(rendered(service), "Job") for service in SERVICES}
    assert [service for service, found in jobs.items() if found] == ["gateway"]
    (job,) = jobs["gateway"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["backoffLimit"] == 0
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["tripsage-migrate", "up"]
    hook_objects = [o for o in rendered("gateway") if "helm.sh/hook" in o["metadata"].get("annotations", {})]
    # Its ServiceAccount and NetworkPolicy exist before it on a first install.
    weights = {o["kind"]: int(o["metadata"]["annotations"]["helm.sh/hook-weight"]) for o in hook_objects}
    assert weights["ServiceAccount"] < weights["Job"]
    assert weights["NetworkPolicy"] < weights["Job"]


@pytest.mark.parametrize("service", SERVICES)
def test_unified_service_tags_on_pods_and_in_the_environment(rendered: Render, service: str) -> None:
    for deployment in objects_of_kind(rendered(service, "staging", SCENARIOS["canary-10"]), "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        env = {v["name"]: v.get("value") for v in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        tag = deployment["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1]
        assert labels["tags.datadoghq.com/service"] == env["DD_SERVICE"] == service
        assert labels["tags.datadoghq.com/env"] == env["DD_ENV"] == "staging"
        assert labels["tags.datadoghq.com/version"] == env["DD_VERSION"] == env[f"{service.upper()}_VERSION"] == tag


# A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric (the API server's rule).
_LABEL_VALUE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$")


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("1.4.0+build.7", "1.4.0_build.7"),
        ("1.5.0-rc.1+sha." + "0123456789abcdef" * 4, ("1.5.0-rc.1_sha." + "0123456789abcdef" * 4)[:63]),
        ("2.0.0-" + "a" * 56 + "-tail", "2.0.0-" + "a" * 56),
    ],
)
def test_a_tag_a_label_cannot_hold_becomes_a_valid_version_label(rendered: Render, tag: str, label: str) -> None:
    # The live API server refused `1.4.0+build.7` in tags.datadoghq.com/version; helm lint --strict passed it.
    (deployment,) = objects_of_kind(rendered("time", "production", {"image.tag": tag}), "Deployment")
    template = deployment["spec"]["template"]
    container = template["spec"]["containers"][0]
    env = {v["name"]: v.get("value") for v in container["env"]}
    assert _LABEL_VALUE.match(label)
    assert deployment["metadata"]["labels"]["tags.datadoghq.com/version"] == label
    assert template["metadata"]["labels"]["tags.datadoghq.com/version"] == env["DD_VERSION"] == label
    assert container["image"] == f"ghcr.io/tripsage/tripsage-time:{tag}"
    assert env["TIME_VERSION"] == tag


def test_numbers_in_a_command_render_as_strings(rendered: Render) -> None:
    # `--set command={uvicorn,--workers,2}` makes 2 a number, which the API server refuses in a command list.
    (deployment,) = objects_of_kind(rendered("time", "production", {"command": "{uvicorn,--workers,2}"}), "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["command"] == ["uvicorn", "--workers", "2"]


def test_production_egress_reaches_dragonfly_and_no_in_cluster_provider(rendered: Render) -> None:
    # The harness replaces the Redis peer and adds its sandbox (deploy/cluster/values-cluster.yaml, cluster.sh);
    # production's own values keep Dragonfly in `data` and reach providers only over HTTPS to public addresses.
    cache_users = []
    for service in SERVICES:
        (policy,) = [p for p in objects_of_kind(rendered(service), "NetworkPolicy") if p["metadata"]["name"] == service]
        rules = policy["spec"]["egress"]
        to_redis = [rule["to"] for rule in rules if {"port": 6379, "protocol": "TCP"} in rule["ports"]]
        dragonfly = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "dragonfly"}},
        }
        assert to_redis in ([], [[dragonfly]]), (service, to_redis)
        cache_users += [service] if to_redis else []
        ports = {port["port"] for rule in rules for port in rule["ports"]}
        assert 8100 not in ports, (service, ports)
    assert "gateway" in cache_users, cache_users


# The mesh's timeout per service (values.yaml istio.timeout; test_deadlines.py pins it against the gateway's deadlines).
MESH_TIMEOUTS = {
    "gateway": "20s", "flights": "11s", "stays": "11s", "maps": "3s", "weather": "3s", "time": "3s", "memory": "17s",
}  # fmt: skip
# Safe for any method: the request never reached a replica.
NEVER_ARRIVED = "connect-failure,refused-stream"


@pytest.mark.parametrize(("service", "env"), MATRIX)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_route_has_the_mesh_timeout_and_only_get_and_head_retry_a_503(
    rendered: Render, service: str, env: str, scenario: str
) -> None:
    (virtual_service,) = objects_of_kind(rendered(service, env, SCENARIOS[scenario]), "VirtualService")
    routes = virtual_service["spec"]["http"]
    assert {route["timeout"] for route in routes} == {MESH_TIMEOUTS[service]}
    for route in routes:
        idempotent = all(match.get("method") == {"regex": "GET|HEAD"} for match in route.get("match", [{}]))
        assert route["retries"]["attempts"] == 1, route["name"]
        expected = f"{NEVER_ARRIVED},503" if idempotent and service != "gateway" else NEVER_ARRIVED
        assert route["retries"]["retryOn"] == expected, route["name"]
        assert "perTryTimeout" not in route["retries"]  # a try may take the service's whole budget
    # Every method reaches a route: the last one matches anything.
    assert "match" not in routes[-1]


def test_retries_can_be_turned_off(rendered: Render) -> None:
    (virtual_service,) = objects_of_kind(
        rendered("flights", "production", {"istio.retries.attempts": "0"}), "VirtualService"
    )
    assert [route["retries"] for route in virtual_service["spec"]["http"]] == [{"attempts": 0}] * 2
