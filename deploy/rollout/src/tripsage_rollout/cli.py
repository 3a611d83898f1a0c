"""tripsage-rollout: canary, promote, rollback and blue/green switch of one service's Helm release."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import structlog
import yaml

from tripsage_core.logging import configure_logging
from tripsage_rollout import plan
from tripsage_rollout.charts import (
    ENVIRONMENTS,
    SERVICES,
    ChartError,
    Release,
    build_dependencies,
    find_helm,
    find_repo_root,
    objects_of_kind,
    render,
    run_helm,
    upgrade_command,
)
from tripsage_rollout.checks import (
    DEFAULT_MAX_ERROR_RATE,
    DEFAULT_MAX_P99_MS,
    CanaryCheck,
    Thresholds,
    default_check,
)

log = structlog.get_logger(__name__)
_DRY_RUN_CANARY_TAG = "CANARY_TAG"


@dataclass
class Session:
    """One release being changed: runs (or, dry, prints) each helm upgrade and the VirtualService it leads to."""

    helm: str
    release: Release
    dry_run: bool
    out: TextIO
    timeout: str = "10m"
    kube_context: str | None = None
    # Everything set so far in this session, so a dry run renders what the cluster would hold.
    applied: dict[str, str] = field(default_factory=dict)

    def apply(self, overrides: Mapping[str, str]) -> None:
        """One `helm upgrade --install --atomic --wait` with the overrides on top of the release's values."""
        self.applied.update(overrides)
        command = upgrade_command(
            self.helm, self.release, overrides, reuse_values=True, timeout=self.timeout, kube_context=self.kube_context
        )
        print(f"$ {shlex.join(command)}", file=self.out)
        if self.dry_run:
            print(self.rendered_virtual_service(), file=self.out)
            return
        log.info("helm_upgrade", service=self.release.service, overrides=dict(overrides))
        run_helm(command)

    def rendered_virtual_service(self) -> str:
        """The VirtualService the release renders with everything applied so far."""
        services = objects_of_kind(render(self.helm, self.release, self.applied), "VirtualService")
        dumped: str = yaml.safe_dump_all(services, sort_keys=False)
        return dumped.rstrip() + "\n---"

    def current_values(self) -> dict[str, Any]:
        """The release's values in the cluster (all of them, chart defaults included)."""
        command = [self.helm, "get", "values", self.release.service, "--namespace", self.release.namespace]
        command += ["--all", "--output", "json"]
        if self.kube_context:
            command += ["--kube-context", self.kube_context]
        values: dict[str, Any] = json.loads(run_helm(command))
        return values


def _refuse_unless_strategy(session: Session, strategy: str) -> str | None:
    """Why the live release cannot take this action, or None (dry runs assume the chart's strategy)."""
    if session.dry_run:
        return None
    try:
        current = session.current_values().get("rollout", {}).get("strategy")
    except ChartError as exc:
        return f"{session.release.service} has no release to change in {session.release.namespace}: {exc}"
    if current != strategy:
        # Changing strategy renames the Deployments; that is a deploy of new values, not a rollout step.
        return (
            f"{session.release.service} runs the {current!r} strategy; set rollout.strategy: {strategy} "
            f"in values-{session.release.environment}.yaml and deploy it first"
        )
    return None


def _canary(session: Session, args: argparse.Namespace, _check: CanaryCheck) -> int:
    if refusal := _refuse_unless_strategy(session, "canary"):
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    session.apply(plan.canary(args.image, args.weight))
    return 0


def _promote(session: Session, args: argparse.Namespace, check: CanaryCheck) -> int:
    service = session.release.service
    if session.dry_run:
        tag = args.image or _DRY_RUN_CANARY_TAG
        session.applied.update(plan.canary(tag, 0))
        weight = 0
    else:
        values = session.current_values()
        canary_values = values.get("canary", {})
        if not canary_values.get("enabled"):
            print(f"error: {service} has no canary running; start one with `canary`", file=sys.stderr)
            return 1
        tag = str(canary_values["image"]["tag"])
        weight = int(canary_values.get("weight", 0))
    steps = plan.remaining_steps(weight, args.steps)
    for step in steps:
        if step < 100:
            session.apply(plan.reweight(step))
        else:
            # Stable takes the canary's image while the canary holds every request; then the canary goes.
            session.apply(plan.adopt_canary(tag))
            session.apply(plan.retire_canary())
            break
        if session.dry_run:
            print(f"# then wait {args.interval}s and check the canary (error rate, p99 or readiness)", file=session.out)
            continue
        time.sleep(args.interval)
        verdict = check.check(service, "canary", tag)
        log.info("canary_checked", service=service, weight=step, healthy=verdict.healthy, reason=verdict.reason)
        if not verdict.healthy:
            print(f"canary unhealthy at {step}%: {verdict.reason}; rolling back", file=sys.stderr)
            session.apply(plan.retire_canary())
            return 2
    print(f"{service} promoted to {tag}", file=session.out)
    return 0


def _rollback(session: Session, _args: argparse.Namespace, _check: CanaryCheck) -> int:
    if refusal := _refuse_unless_strategy(session, "canary"):
        print(f"error: {refusal}; a blue/green rollback is `switch` to the other colour", file=sys.stderr)
        return 1
    session.apply(plan.retire_canary())
    return 0


def _switch(session: Session, args: argparse.Namespace, _check: CanaryCheck) -> int:
    if refusal := _refuse_unless_strategy(session, "blueGreen"):
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    if args.image:
        # The idle colour gets the new image and is ready (--wait) before any request is routed to it.
        session.apply({f"blueGreen.{args.colour}.tag": args.image})
    session.apply(plan.switch(args.colour))
    return 0


_Handler = Callable[[Session, argparse.Namespace, CanaryCheck], int]


def _steps(text: str) -> list[int]:
    try:
        steps = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"steps are comma-separated percentages: {exc}") from exc
    if not steps or any(not 0 < step <= 100 for step in steps):
        raise argparse.ArgumentTypeError("each step must be between 1 and 100")
    return steps


def _weight(text: str) -> int:
    weight = int(text)
    if not 0 <= weight <= 100:
        raise argparse.ArgumentTypeError("weight must be between 0 and 100")
    return weight


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per action, shared options first."""
    parser = argparse.ArgumentParser(prog="tripsage-rollout", description=__doc__)
    parser.add_argument("--env", choices=ENVIRONMENTS, default="staging", help="values-<env>.yaml to deploy with")
    parser.add_argument("--namespace", default="tripsage")
    parser.add_argument("--charts-dir", type=Path, default=None, help="default: helm/ of the repository")
    parser.add_argument("--kube-context", default=None)
    parser.add_argument("--timeout", default="10m", help="helm --timeout of each upgrade")
    parser.add_argument("--dry-run", action="store_true", help="print the helm commands and rendered VirtualService")
    commands = parser.add_subparsers(dest="command", required=True)

    canary = commands.add_parser("canary", help="run IMAGE as the canary with WEIGHT percent of requests")
    canary.add_argument("service", choices=SERVICES)
    canary.add_argument("--image", required=True, help="image tag of the canary")
    canary.add_argument("--weight", type=_weight, default=10)
    canary.set_defaults(handler=_canary)

    promote = commands.add_parser("promote", help="step the canary up to 100 percent, checking between steps")
    promote.add_argument("service", choices=SERVICES)
    promote.add_argument("--steps", type=_steps, default=list(plan.PROMOTION_STEPS))
    promote.add_argument("--interval", type=int, default=300, help="seconds of traffic before each check")
    promote.add_argument("--max-error-rate", type=float, default=DEFAULT_MAX_ERROR_RATE)
    promote.add_argument("--max-p99-ms", type=float, default=DEFAULT_MAX_P99_MS)
    promote.add_argument("--image", default=None, help="dry run only: the canary tag to show")
    promote.set_defaults(handler=_promote)

    rollback = commands.add_parser("rollback", help="send every request to stable and remove the canary")
    rollback.add_argument("service", choices=SERVICES)
    rollback.set_defaults(handler=_rollback)

    switch = commands.add_parser("switch", help="blue/green: send every request to one colour")
    switch.add_argument("service", choices=SERVICES)
    switch.add_argument("colour", choices=plan.COLOURS)
    switch.add_argument("--image", default=None, help="deploy this tag to the colour (and wait) before switching")
    switch.set_defaults(handler=_switch)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of `tripsage-rollout`; returns the exit status."""
    args = build_parser().parse_args(argv)
    configure_logging(service="tripsage-rollout", environment=args.env, version="0.1.0", level="WARNING")
    charts_dir = args.charts_dir or _default_charts_dir()
    helm = find_helm(charts_dir.parent)
    if helm is None:
        print("error: helm not found; `make charts` builds it into .tools/bin", file=sys.stderr)
        return 1
    release = Release(args.service, args.env, args.namespace, charts_dir)
    try:
        build_dependencies(helm, release.chart)
    except ChartError as exc:
        print(f"error: helm failed: {exc}", file=sys.stderr)
        return 1
    session = Session(
        helm=helm,
        release=release,
        dry_run=args.dry_run,
        out=out or sys.stdout,
        timeout=args.timeout,
        kube_context=args.kube_context,
    )
    thresholds = Thresholds(
        max_error_rate=getattr(args, "max_error_rate", DEFAULT_MAX_ERROR_RATE),
        max_p99_ms=getattr(args, "max_p99_ms", DEFAULT_MAX_P99_MS),
    )
    check = default_check(args.namespace, args.env, args.kube_context, thresholds)
    handler: _Handler = args.handler
    try:
        return handler(session, args, check)
    except ChartError as exc:
        print(f"error: helm failed: {exc}", file=sys.stderr)
        return 1


def _default_charts_dir() -> Path:
    root = find_repo_root() or find_repo_root(Path(__file__).parent)
    return (root or Path.cwd()) / "helm"


if __name__ == "__main__":
    sys.exit(main())
