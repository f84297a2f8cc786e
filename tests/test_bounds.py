from fractions import Fraction
from math import ceil, floor

from hypothesis import given, strategies as st

from verifier.model.records import Settings
from verifier.semantics import bounds_of, ceil_percent, floor_percent


def test_worked_examples():
    # docs/semantics.md#reference-scenarios: 50% of 6 is exactly 3; 200% of 6 is 12.
    assert ceil_percent(6, 50) == 3 and floor_percent(6, 200) == 12
    # 50% of 1 is 0.5: the minimum rounds up to 1, 150% of 1 is 1.5 and rounds down to 1,
    # which is why min 50 / max 150 is stuck at one task.
    assert ceil_percent(1, 50) == 1 and floor_percent(1, 150) == 1
    # 125% of 3 is 3.75, rounded down to 3 = the minimum of 100%: stuck at three tasks.
    assert floor_percent(3, 125) == 3
    # 7% of 100 is exactly 7; float arithmetic gives ceil(100 * 0.07) = ceil(7.000000000000001) = 8.
    assert ceil(100 * 0.07) == 8
    assert ceil_percent(100, 7) == 7
    # 33% of 7 is 2.31: at least 3 healthy, at most 2.
    assert ceil_percent(7, 33) == 3 and floor_percent(7, 33) == 2


@given(st.integers(0, 10**7), st.integers(0, 10**4))
def test_rounding_is_exact(desired, percent):
    exact = Fraction(desired * percent, 100)
    assert ceil_percent(desired, percent) == ceil(exact)
    assert floor_percent(desired, percent) == floor(exact)


def test_bounds_of_settings():
    bounds = bounds_of(Settings(6, 50, 200, 8))
    assert (bounds.desired, bounds.min_healthy, bounds.max_tasks, bounds.capacity) == (6, 3, 12, 8)
