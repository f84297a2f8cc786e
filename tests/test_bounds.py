from fractions import Fraction
from math import ceil, floor

from hypothesis import given
from hypothesis import strategies as st

from verifier.model.records import Settings
from verifier.rounding import ceil_percent, floor_percent, rounded_percent_facts
from verifier.semantics import bounds_of


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
    # The integer results meet the linear conditions the Z3 encodings use, and their
    # neighbours do not: the conditions pin exactly one value.
    for round_up, rounded in ((True, ceil(exact)), (False, floor(exact))):
        assert all(rounded_percent_facts(rounded, desired, percent, round_up))
        assert not all(rounded_percent_facts(rounded + 1, desired, percent, round_up))
        assert not all(rounded_percent_facts(rounded - 1, desired, percent, round_up))


def test_z3_agrees_with_the_integer_rounding():
    import z3
    # With the count symbolic, Z3 finds the same rounded value as the integer function.
    for desired, percent in ((7, 33), (1, 50), (3, 125), (100, 7), (0, 90)):
        count, low, high = z3.Int("D"), z3.Int("L"), z3.Int("U")
        solver = z3.Solver()
        solver.add(count == desired, *rounded_percent_facts(low, count, percent, True),
                   *rounded_percent_facts(high, count, percent, False))
        assert solver.check() == z3.sat
        model = solver.model()
        assert model[low].as_long() == ceil_percent(desired, percent)
        assert model[high].as_long() == floor_percent(desired, percent)


def test_bounds_of_settings():
    bounds = bounds_of(Settings(6, 50, 200, 8))
    assert (bounds.desired, bounds.min_healthy, bounds.max_tasks, bounds.capacity) == (6, 3, 12, 8)
