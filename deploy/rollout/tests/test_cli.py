"""tripsage-rollout --dry-run prints the helm commands and the VirtualService they lead to, using the real helm."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from tripsage_rollout.cli import main

CHARTS_DIR = Path(__file__).resolve().parents[3] / "helm"


def _dry_run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(["--dry-run", "--charts-dir", str(CHARTS_DIR), "--env", "production", *argv], out=out)
    return status, out.getvalue()


def _commands(output: str) -> list[str]:
    return [line[2:] for line in output.splitlines() if line.startswith("$ ")]


def _virtual_services(output: str) -> list[dict[str, Any]]:
    body = "\n".join(line for line in output.splitlines() if not line.startswith(("$ ", "#")))
    return [doc for doc in yaml.safe_load_all(body) if isinstance(doc, dict) and doc.get("kind") == "VirtualService"]


def _weights(virtual_service: dict[str, Any]) -> dict[str, int]:
    (primary,) = [r for r in virtual_service["spec"]["http"] if r["name"] == "primary"]
    return {d["destination"]["subset"]: d["weight"] for d in primary["route"]}


def test_canary_dry_run_prints_an_atomic_upgrade_and_the_90_10_split(helm: str) -> None:
    status, output = _dry_run("canary", "flights", "--image", "1.4.0", "--weight", "10")
    assert status == 0
    (command,) = _commands(output)
    assert "upgrade --install flights" in command
    assert "--atomic --wait" in command
    assert "--set-string canary.image.tag=1.4.0" in command
    assert "values-production.yaml" in command
    (virtual_service,) = _virtual_services(output)
    assert _weights(virtual_service) == {"stable": 90, "canary": 10}


def test_promote_dry_run_steps_10_25_50_then_hands_stable_the_canary_image(helm: str) -> None:
    status, output = _dry_run("promote", "maps", "--image", "2.0.0")
    assert status == 0
    commands = _commands(output)
    assert [c.split("--set canary.weight=")[1].split()[0] for c in commands[:3]] == ["10", "25", "50"]
    assert "--set-string image.tag=2.0.0" in commands[3]
    assert "--set canary.enabled=false" in commands[4]
    weights = [_weights(vs) for vs in _virtual_services(output)]
    assert weights[:4] == [
        {"stable": 90, "canary": 10},
        {"stable": 75, "canary": 25},
        {"stable": 50, "canary": 50},
        {"stable": 0, "canary": 100},
    ]
    assert weights[4] == {"stable": 100}
    assert output.rstrip().endswith("maps promoted to 2.0.0")


def test_rollback_dry_run_returns_every_request_to_stable(helm: str) -> None:
    status, output = _dry_run("rollback", "weather")
    assert status == 0
    (virtual_service,) = _virtual_services(output)
    assert _weights(virtual_service) == {"stable": 100}


def test_switch_with_an_image_deploys_the_colour_before_routing_to_it(helm: str) -> None:
    status, output = _dry_run("switch", "time", "green", "--image", "3.1.0")
    assert status == 0
    first, second = _commands(output)
    assert "--set-string blueGreen.green.tag=3.1.0" in first
    assert "blueGreen.active" not in first
    assert "--set blueGreen.active=green" in second
    assert _weights(_virtual_services(output)[-1]) == {"blue": 0, "green": 100}


def test_an_unknown_service_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--dry-run", "canary", "billing", "--image", "1.0.0"])
    assert exit_info.value.code == 2


def test_a_weight_over_100_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--dry-run", "canary", "flights", "--image", "1.0.0", "--weight", "150"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    "argv",
    [["canary", "flights", "--image", "1.4.0"], ["rollback", "flights"], ["switch", "time", "green"]],
)
def test_without_a_reachable_release_nothing_is_changed(
    helm: str, argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    out = io.StringIO()
    status = main(["--charts-dir", str(CHARTS_DIR), *argv], out=out)
    assert status == 1
    assert "has no release to change" in capsys.readouterr().err
    assert not _commands(out.getvalue())


def test_every_upgrade_leaves_the_charts_own_values_to_helm(helm: str) -> None:
    # Passed as a file, values.yaml's `image.tag: ""` and `canary.*` overrode what earlier steps set under
    # --reset-then-reuse-values: on a live cluster, a promotion retired the canary and left stable on the old image.
    status, output = _dry_run("promote", "maps", "--image", "2.0.0")
    assert status == 0
    for command in _commands(output):
        assert "values-production.yaml" in command
        assert "/maps/values.yaml" not in command
