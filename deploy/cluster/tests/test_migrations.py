"""The gateway chart's migrations hook on the live cluster: it applies the migrations before the gateway rolls out,
and a release whose migration breaks fails `helm upgrade` while the previous release keeps serving."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Kube

BROKEN_TAG = "broken-migration"
# A new release's migration that cannot apply: it names a table no migration ever made.
BROKEN_MIGRATION = """USER root
RUN printf 'UPDATE a_table_no_migration_made SET x = 1;\\n' > /app/deploy/migrations/20991231_99_broken.sql \\
 && printf 'SELECT 1;\\n' > /app/deploy/migrations/20991231_99_broken.rollback.sql
USER 10001
"""


def _sql(kube: Kube, query: str) -> str:
    return kube.kubectl(
        "exec", "deploy/postgres", "--", "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "tripsage", "-tAc", query
    )


def _timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_the_hook_applied_every_migration_before_the_gateway_rolled_out(kube: Kube) -> None:
    query = "SELECT migration_id, to_char(applied_at_utc, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM _yoyo_migration"
    applied = sorted(_sql(kube, query + " ORDER BY applied_at_utc").split(), key=lambda row: row.split("|")[1])
    ids = [row.split("|")[0] for row in applied]
    assert ids == ["20261126_01_extensions", "20261126_10_memory", "20261126_20_trips"], ids
    last_applied = dt.datetime.fromisoformat(applied[-1].split("|")[1]).replace(tzinfo=dt.UTC)
    # The first ReplicaSet of the gateway is its first rollout; every migration finished before it existed.
    replica_sets = kube.json("replicasets", "-l", "app=gateway,version=stable")["items"]
    first_rollout = min(_timestamp(rs["metadata"]["creationTimestamp"]) for rs in replica_sets)
    assert last_applied <= first_rollout, (last_applied, first_rollout)
    assert _sql(kube, "SELECT to_regclass('public.trips') IS NOT NULL").strip() == "t"


def test_a_broken_migration_fails_the_upgrade_and_the_old_release_serves(kube: Kube, gateway: httpx.Client) -> None:
    kube.load_image(kube.local_image("gateway"), kube.image("gateway", BROKEN_TAG), extra_dockerfile=BROKEN_MIGRATION)
    revision_before = kube.helm("history", "gateway", "--max", "1", "-o", "json").stdout

    upgrade = kube.install("gateway", "--set", f"image.tag={BROKEN_TAG}", "--timeout", "3m", check=False)

    assert upgrade.returncode != 0, upgrade.stdout
    assert "gateway-migrate" in upgrade.stderr, upgrade.stderr
    # The failed Job is kept for its logs: they name the statement that failed.
    assert "a_table_no_migration_made" in kube.kubectl("logs", "job/gateway-migrate", check=False)
    assert "20991231_99_broken" not in _sql(kube, "SELECT migration_id FROM _yoyo_migration")
    # Nothing of the new release reached the Deployment: the old pods, on the old image, still answer.
    deployment = kube.json("deployment", "gateway-stable")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == kube.image("gateway")
    assert deployment["status"].get("readyReplicas", 0) >= 1
    assert gateway.get("/v1/trips").status_code == 200
    assert kube.helm("history", "gateway", "--max", "1", "-o", "json").stdout != revision_before

    # Back to a deployed release for the tests after this one.
    kube.helm("rollback", "gateway", "--wait", "--timeout", "3m")
    assert gateway.get("/v1/trips").status_code == 200
