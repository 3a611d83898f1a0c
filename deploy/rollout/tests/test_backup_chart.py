"""The backup CronJob: off unless asked for, and when on, the same tool the drill restores from, locked down."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tripsage_rollout.charts import ENVIRONMENTS, SERVICES, objects_of_kind
from tripsage_rollout.schemas import kubernetes_errors

Render = Callable[..., list[dict[str, Any]]]
BACKUPS_ON = {"backups.enabled": "true"}


def _by_name(objects: list[dict[str, Any]], kind: str, name: str) -> Mapping[str, Any]:
    (found,) = [obj for obj in objects_of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def _pod_spec(cron_job: Mapping[str, Any]) -> Mapping[str, Any]:
    spec: Mapping[str, Any] = cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize(("service", "env"), [(s, e) for s in SERVICES for e in ENVIRONMENTS])
def test_no_backup_is_scheduled_unless_enabled(rendered: Render, service: str, env: str) -> None:
    objects = rendered(service, env)

    assert objects_of_kind(objects, "CronJob") == []
    assert objects_of_kind(objects, "PersistentVolumeClaim") == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_enabled_backups_run_tripsage_backup_daily_one_at_a_time_onto_a_kept_volume(rendered: Render, env: str) -> None:
    objects = rendered("gateway", env, BACKUPS_ON)
    (cron_job,) = objects_of_kind(objects, "CronJob")
    pod = _pod_spec(cron_job)
    (container,) = pod["containers"]
    env_vars = {item["name"]: item for item in container["env"]}
    claim = _by_name(objects, "PersistentVolumeClaim", "gateway-backup")
    volumes = {volume["name"]: volume for volume in pod["volumes"]}

    assert cron_job["spec"]["schedule"] == "17 3 * * *"
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    assert container["command"] == ["tripsage-backup", "take"]
    assert container["image"] == "ghcr.io/tripsage/tripsage-gateway:0.1.0"
    assert env_vars["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "tripsage-gateway", "key": "database-url"}
    assert (env_vars["BACKUP_KEEP_LAST"]["value"], env_vars["BACKUP_MAX_AGE_DAYS"]["value"]) == ("7", "30")
    assert volumes["backups"]["persistentVolumeClaim"]["claimName"] == "gateway-backup"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert env_vars["BACKUP_DIR"]["value"] == "/backups"


def test_pg_dump_comes_from_the_postgres_image_through_a_shared_volume(rendered: Render) -> None:
    pod = _pod_spec(objects_of_kind(rendered("gateway", "production", BACKUPS_ON), "CronJob")[0])
    (init,) = pod["initContainers"]
    (container,) = pod["containers"]
    pg_bin = {item["name"]: item.get("value") for item in container["env"]}["PG_BIN_DIR"]
    copied_to = {mount["name"]: mount["mountPath"] for mount in init["volumeMounts"]}["pg-client"]

    assert init["image"] == "ghcr.io/tripsage/tripsage-postgres:18"
    assert init["command"] == ["cp", "-R", "/opt/pgserver", "/pg-client/"]
    assert pg_bin == f"{copied_to}/pgserver/pgserver/pginstall/bin"
    assert {"name": "pg-client", "mountPath": "/pg-client", "readOnly": True} in container["volumeMounts"]


def test_an_existing_claim_is_used_and_no_new_one_is_made(rendered: Render) -> None:
    objects = rendered("gateway", "production", {**BACKUPS_ON, "backups.persistence.existingClaim": "pg-backups"})
    pod = _pod_spec(objects_of_kind(objects, "CronJob")[0])

    assert objects_of_kind(objects, "PersistentVolumeClaim") == []
    assert {"name": "backups", "persistentVolumeClaim": {"claimName": "pg-backups"}} in pod["volumes"]


def test_backup_pods_reach_only_dns_and_postgres_and_run_locked_down(rendered: Render) -> None:
    objects = rendered("gateway", "production", BACKUPS_ON)
    policy = _by_name(objects, "NetworkPolicy", "gateway-backup")
    cron_job = objects_of_kind(objects, "CronJob")[0]
    template = cron_job["spec"]["jobTemplate"]["spec"]["template"]
    egress_ports = sorted(port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"])

    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector == {"app": "gateway-backup"}
    assert template["metadata"]["labels"].items() >= selector.items()
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy["spec"]
    assert egress_ports == [53, 53, 5432, 6543]
    assert template["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
    assert template["spec"]["automountServiceAccountToken"] is False
    for container in [*template["spec"]["initContainers"], *template["spec"]["containers"]]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert container["resources"]["limits"]


def test_every_backup_object_matches_the_kubernetes_schema(rendered: Render) -> None:
    objects = rendered("gateway", "production", BACKUPS_ON)
    backup_objects = [obj for obj in objects if obj["metadata"]["name"] == "gateway-backup"]

    assert {obj["kind"] for obj in backup_objects} == {
        "CronJob",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "ServiceAccount",
    }
    assert {obj["kind"]: kubernetes_errors(obj) for obj in backup_objects} == {
        obj["kind"]: [] for obj in backup_objects
    }
