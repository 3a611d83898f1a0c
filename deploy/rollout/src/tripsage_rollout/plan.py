"""The value changes behind each rollout action: what `--set` moves the release where."""

from __future__ import annotations

from collections.abc import Sequence

PROMOTION_STEPS = (10, 25, 50, 100)
COLOURS = ("blue", "green")


def _weight(weight: int) -> str:
    if not 0 <= weight <= 100:
        raise ValueError(f"weight must be between 0 and 100, got {weight}")
    return str(weight)


def canary(tag: str, weight: int) -> dict[str, str]:
    """Start (or re-weight) a canary running tag."""
    if not tag.strip():
        raise ValueError("the canary needs an image tag")
    return {
        "canary.enabled": "true",
        "canary.image.tag": tag,
        "canary.weight": _weight(weight),
    }


def reweight(weight: int) -> dict[str, str]:
    """Move the split between stable and the running canary."""
    return {"canary.weight": _weight(weight)}


def adopt_canary(tag: str) -> dict[str, str]:
    """Roll stable onto the canary's tag while the canary still takes every request."""
    return {"image.tag": tag, "canary.weight": "100"}


def retire_canary() -> dict[str, str]:
    """Send everything back to stable and remove the canary Deployment: both rollback and promotion's last step."""
    return {"canary.enabled": "false", "canary.weight": "0"}


def switch(colour: str, tag: str | None = None) -> dict[str, str]:
    """Blue/green: send every request to colour, optionally deploying tag to it first."""
    if colour not in COLOURS:
        raise ValueError(f"colour must be blue or green, got {colour!r}")
    overrides = {"rollout.strategy": "blueGreen", "blueGreen.active": colour}
    if tag:
        overrides[f"blueGreen.{colour}.tag"] = tag
    return overrides


def remaining_steps(current_weight: int, steps: Sequence[int] = PROMOTION_STEPS) -> list[int]:
    """The promotion steps still ahead of the canary's current weight, ending at 100."""
    ordered = sorted({_weight_int(step) for step in steps} | {100})
    return [step for step in ordered if step > current_weight]


def _weight_int(step: int) -> int:
    _weight(step)
    return step
