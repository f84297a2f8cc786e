"""Desired-count ranges against a check of every count on its own."""

import pytest

from verifier.check.ranges import intervals, verify_range
from verifier.check.verify import Options, verify
from verifier.model.records import Model, Requirements, Settings, TaskCount
from verifier.results import Status


def range_model(low, high, min_pct, max_pct, capacity=None, headroom=None, requirements=Requirements()):
    settings = Settings(low, min_pct, max_pct, capacity if headroom is None else low + headroom)
    return Model("range", settings, requirements, desired_range=(low, high), capacity_headroom=headroom)


def failing_by_count(model, low, high, engine):
    """Check each desired count alone; {property: [counts where it is violated]}."""
    failing = {}
    for desired in range(low, high + 1):
        result = verify(model.at(desired), Options(engine=engine))
        for finding in result.findings:
            assert finding.status is not Status.UNKNOWN, (desired, finding)
            if finding.status is Status.VIOLATED:
                failing.setdefault(finding.property_id, []).append(desired)
    return {pid: [list(span) for span in intervals(counts)] for pid, counts in failing.items()}


def failing_in_range(model):
    result = verify_range(model)
    assert all(f.status is not Status.UNKNOWN for f in result.findings), result.findings
    return {f.property_id: f.failing_desired() for f in result.findings if f.failing}


PAIRS = [(50, 150, None, None), (100, 125, None, None), (100, 100, None, None), (75, 110, None, None),
         (100, 200, 10, None), (50, 200, None, 1), (100, 200, None, 0), (150, 100, None, None),
         (40, 90, None, None)]


@pytest.mark.parametrize("min_pct, max_pct, capacity, headroom", PAIRS)
def test_range_matches_brute_force_explicit_search(min_pct, max_pct, capacity, headroom):
    # Ground truth: the explicit engine, every reachable state, each count on its own.
    model = range_model(1, 14, min_pct, max_pct, capacity, headroom)
    assert failing_in_range(model) == failing_by_count(model, 1, 14, "explicit")


@pytest.mark.slow
@pytest.mark.parametrize("min_pct, max_pct, capacity, headroom", PAIRS)
def test_range_matches_brute_force_explicit_search_to_thirty(min_pct, max_pct, capacity, headroom):
    model = range_model(1, 30, min_pct, max_pct, capacity, headroom)
    assert failing_in_range(model) == failing_by_count(model, 1, 30, "explicit")


@pytest.mark.parametrize("min_pct, max_pct, capacity, headroom", PAIRS)
def test_range_matches_each_count_checked_alone(min_pct, max_pct, capacity, headroom):
    # Each count alone with the SMT engine: a concrete desired count, its own proofs and
    # counterexamples, none of the range scan's closed forms.
    model = range_model(1, 30, min_pct, max_pct, capacity, headroom)
    assert failing_in_range(model) == failing_by_count(model, 1, 30, "smt")


@pytest.mark.slow
@pytest.mark.parametrize("min_pct, max_pct, capacity, headroom", PAIRS)
def test_range_matches_each_count_checked_alone_to_two_hundred(min_pct, max_pct, capacity, headroom):
    model = range_model(1, 200, min_pct, max_pct, capacity, headroom)
    assert failing_in_range(model) == failing_by_count(model, 1, 200, "smt")


def test_issue_examples():
    # min 50 / max 150 is stuck exactly at one task: ceil(0.5) = 1 = floor(1.5).
    assert failing_in_range(range_model(1, 5000, 50, 150)) == {"progress": [[1, 1]]}
    # min 100 / max 125 is stuck for 1..3: floor(1.25 D) = D for D <= 3.
    assert failing_in_range(range_model(1, 5000, 100, 125)) == {"progress": [[1, 3]]}


def test_percent_requirement_over_a_range():
    # minHealthy 90% with ECS's minimum at 50%: ceil(0.9 D) > ceil(0.5 D) from D = 2 on,
    # and for D = 1 both are 1.
    model = range_model(1, 50, 50, 200, requirements=Requirements(min_healthy=TaskCount(90, percent=True)))
    assert failing_in_range(model) == {"availability": [[2, 50]]}


def test_intervals_merge():
    assert intervals([5, 1, 2, 3, 9, 10]) == [(1, 3), (5, 5), (9, 10)]


# Settings whose state space stays small at every count (stuck at the start, or one or two free
# slots), so the explicit search of every reachable state can be run for each count up to 200.
SMALL_SPACES = [(100, 100, None, None), (150, 100, None, None), (100, 200, 10, None), (100, 200, None, 0),
                (100, 200, None, 2)]


@pytest.mark.parametrize("min_pct, max_pct, capacity, headroom", SMALL_SPACES)
def test_range_matches_brute_force_explicit_search_to_two_hundred(min_pct, max_pct, capacity, headroom):
    model = range_model(1, 200, min_pct, max_pct, capacity, headroom)
    assert failing_in_range(model) == failing_by_count(model, 1, 200, "explicit")
