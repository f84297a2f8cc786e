"""A percentage of a task count, rounded as ECS rounds it (docs/semantics.md#bounds), defined once.

The minimum rounds up (L = ceil(D * m / 100)) and the maximum rounds down
(U = floor(D * x / 100)). Both are written as the linear conditions that pin
the rounded value, so the one definition serves plain integers and Z3 terms
alike (`//` has no Z3 counterpart and `/` means different things on each):

    ceil:   100 * r >= D * p  and  100 * r < D * p + 100
    floor:  100 * r <= D * p  and  100 * r > D * p - 100

For integers, `ceil_percent` and `floor_percent` return the one r that meets
them; tests check that they do, for counts up to millions.
"""

from __future__ import annotations

from typing import Any


def rounded_percent_facts(result: Any, count: Any, percent: Any, round_up: bool) -> tuple[Any, Any]:
    """The conditions under which `result` is `percent`% of `count`, rounded up or down."""
    scaled = count * percent
    if round_up:
        return (100 * result >= scaled, 100 * result < scaled + 100)
    return (100 * result <= scaled, 100 * result > scaled - 100)


def rounded_percent(count: int, percent: int, round_up: bool) -> int:
    """The integer that meets `rounded_percent_facts`: floor division, shifted by 99 to round up."""
    scaled = count * percent
    return (scaled + 99) // 100 if round_up else scaled // 100


def ceil_percent(count: int, percent: int) -> int:
    return rounded_percent(count, percent, round_up=True)


def floor_percent(count: int, percent: int) -> int:
    return rounded_percent(count, percent, round_up=False)
