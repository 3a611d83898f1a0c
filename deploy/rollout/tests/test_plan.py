"""The value changes each rollout action makes."""

from __future__ import annotations

import pytest

from tripsage_rollout import plan


def test_canary_enables_the_canary_with_its_tag_and_weight() -> None:
    assert plan.canary("1.4.0", 10) == {
        "canary.enabled": "true",
        "canary.image.tag": "1.4.0",
        "canary.weight": "10",
    }


@pytest.mark.parametrize("weight", [-1, 101])
def test_weights_outside_0_to_100_are_refused(weight: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        plan.canary("1.4.0", weight)


def test_a_canary_without_a_tag_is_refused() -> None:
    with pytest.raises(ValueError, match="image tag"):
        plan.canary("  ", 10)


@pytest.mark.parametrize(
    ("current", "expected"),
    [(0, [10, 25, 50, 100]), (10, [25, 50, 100]), (30, [50, 100]), (100, [])],
)
def test_promotion_continues_from_the_current_weight(current: int, expected: list[int]) -> None:
    assert plan.remaining_steps(current) == expected


def test_promotion_always_ends_at_100_even_when_the_steps_stop_short() -> None:
    assert plan.remaining_steps(0, [5, 20]) == [5, 20, 100]


def test_adopting_the_canary_keeps_every_request_on_it_while_stable_rolls() -> None:
    assert plan.adopt_canary("1.4.0") == {"image.tag": "1.4.0", "canary.weight": "100"}


def test_retiring_the_canary_returns_every_request_to_stable() -> None:
    assert plan.retire_canary() == {"canary.enabled": "false", "canary.weight": "0"}


def test_switch_names_the_active_colour_and_refuses_others() -> None:
    assert plan.switch("green") == {"rollout.strategy": "blueGreen", "blueGreen.active": "green"}
    with pytest.raises(ValueError, match="blue or green"):
        plan.switch("red")
