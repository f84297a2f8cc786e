"""Hypothesis: the verifier against the naive re-statements in oracle.py, on random small models."""

import itertools

import networkx as nx
import oracle
import pytest
from conftest import make_model
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check.verify import verify
from verifier.model.records import Requirements, TaskCount
from verifier.replay import replay
from verifier.results import Status


def models(max_desired):
    return st.builds(
        make_model,
        desired=st.integers(0, max_desired),
        min_pct=st.integers(0, 200),
        max_pct=st.integers(0, 200),
        capacity=st.none() | st.integers(0, 2 * max_desired + 2),
        health_check_seconds=st.sampled_from([30, 60, 90, 150]),
        drain_seconds=st.sampled_from([30, 60, 120, 300]),
        stopping_counts_toward_max=st.booleans(),
        requirements=st.builds(
            Requirements,
            min_healthy=st.none() | st.builds(TaskCount, st.integers(0, 12)),
            max_tasks=st.none() | st.builds(TaskCount, st.integers(0, 24)),
        ),
    )


def args(model):
    s = model.settings
    return (s.desired, s.min_healthy_percent, s.max_percent, s.capacity)


def check_everything(model):
    s = model.settings
    result = verify(model)
    D, m, x, C = args(model)
    knob = s.stopping_counts_toward_max
    # Step plans: breadth-first search and Dijkstra over every plan, written naively.
    assert result.step_plan.min_steps == oracle.settled_min_steps(D, m, x, C, knob)
    assert result.step_plan.sequential_seconds == oracle.settled_least_seconds(
        D, m, x, C, s.health_check_seconds, s.drain_seconds, knob)
    # The fewest-step trace is a real plan under the oracle's guards.
    for (o1, n1), (o2, n2) in itertools.pairwise(result.step_plan.trace):
        if o2 < o1:
            assert n1 == n2 and oracle.can_stop(D, m, x, C, knob, o1, 0, 0, n1, o1 - o2)
        else:
            assert o1 == o2 and oracle.can_launch(D, m, x, C, knob, o1, 0, 0, n1, n2 - n1)
    # progress holds iff every reachable state can reach the goal, iff an optimal schedule exists.
    graph = nx.DiGraph([(u, v) for u, succ in oracle.reachable(D, m, x, C, knob).items() for v in succ])
    graph.add_node((D, 0, 0, 0))
    goal = (0, 0, 0, D)
    finishes = goal in graph and nx.ancestors(graph, goal) | {goal} == set(graph)
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert (progress.status is Status.HOLDS) == finishes
    # The timed search may stop at its budget (many ticks per health check): then it says so.
    if result.optimal.complete:
        assert (result.optimal.makespan_seconds is not None) == (goal in graph)
        # In this model a deployment that can finish from the start can finish from anywhere
        # (an exhaustive search of 37,044 configurations with D <= 6 found no exception), so
        # progress holds exactly when an optimal schedule exists.
        assert (progress.status is Status.HOLDS) == (result.optimal.makespan_seconds is not None)
    else:
        assert result.optimal.makespan_seconds is None
    # ECS never beats the optimum; if ECS finishes, an optimum exists.
    if result.ecs.completes and result.optimal.complete:
        assert result.optimal.makespan_seconds is not None
        assert result.ecs.makespan_seconds >= result.optimal.makespan_seconds
    # Every counterexample replays and really violates its property, by the oracle's arithmetic.
    need = model.requirements.min_healthy.value if model.requirements.min_healthy else oracle.lower(D, m)
    allow = model.requirements.max_tasks.value if model.requirements.max_tasks else oracle.upper(D, x)
    stuck = set(graph) - (nx.ancestors(graph, goal) | {goal} if goal in graph else set())
    # States are (old, stopping, pending, new) tuples here, as the oracle builds them.
    violated_by = {
        "availability": lambda st: st[0] + st[3] < need,
        "surge": lambda st: st[0] + st[2] + st[3] + (st[1] if knob else 0) > allow,
        "capacity": lambda st: C is not None and sum(st) > C,
        "progress": lambda st: st in stuck,
    }
    for finding in result.findings:
        if finding.status is Status.VIOLATED:
            replay(result.bounds, finding.counterexample, violated_by[finding.property_id], finding.property_id)
        else:
            assert finding.status is Status.HOLDS
            assert not any(violated_by[finding.property_id](st) for st in graph)
    return result


@hsettings(max_examples=200)
@given(models(max_desired=8))
def test_verifier_agrees_with_brute_force(model):
    check_everything(model)


@pytest.mark.slow
@hsettings(max_examples=1000)
@given(models(max_desired=12))
def test_verifier_agrees_with_brute_force_up_to_twelve(model):
    check_everything(model)


def _optimal_agrees(model):
    s = model.settings
    result = verify(model)
    expected = oracle.optimal_makespan(*args(model), s.health_check_seconds, s.drain_seconds,
                                       s.stopping_counts_toward_max)
    assert result.optimal.makespan_seconds == expected


@hsettings(max_examples=100)
@given(models(max_desired=4))
def test_optimal_makespan_agrees_with_whole_decision_search(model):
    _optimal_agrees(model)


@pytest.mark.slow
@hsettings(max_examples=500)
@given(models(max_desired=6))
def test_optimal_makespan_agrees_with_whole_decision_search_up_to_six(model):
    _optimal_agrees(model)


def test_ecs_controller_example_by_hand():
    # stopping-counts-slow in models/: 4 tasks, min 50 / max 100, stopping tasks count.
    # t=0 stop 2 (counted stays 4: no launch); t=300 2 gone, launch 2; t=450 ready,
    # stop 2 (counted 4 again); t=750 gone, launch 2; t=900 ready: done.
    result = verify(make_model(4, 50, 100, stopping_counts_toward_max=True))
    assert result.ecs.makespan_seconds == 900
    # Without the knob, stopping frees room at once: t=0 stop 2, launch 2; t=150 ready,
    # stop 2, launch 2; t=300 ready; t=450 the last two gone: 450 s.
    assert verify(make_model(4, 50, 100)).ecs.makespan_seconds == 450
