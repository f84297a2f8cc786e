"""The unit graph (the default) against the full graph with every stop(j) and launch(k)."""

import itertools

import networkx as nx
import oracle
import pytest
from conftest import make_model

from verifier.check.verify import Options, verify
from verifier.explicit.explore import explore
from verifier.model.records import Settings
from verifier.results import Status, Verdict
from verifier.semantics import bounds_of, goal_state, is_deadlock

SMALL = [
    Settings(d, m, x, c, stopping_counts_toward_max=knob)
    for d in range(0, 6)
    for m in (0, 50, 100, 150)
    for x in (50, 100, 125, 200)
    for c in (None, d, d + 1, d + 3)
    for knob in (False, True)
]


def _summary(exploration):
    graph, bounds = exploration.graph, exploration.bounds
    goal = goal_state(bounds)
    can_finish = nx.ancestors(graph, goal) | {goal} if goal in graph else set()
    deadlocks = {s for s in graph if is_deadlock(bounds, s)}
    return set(graph), can_finish, deadlocks


@pytest.mark.parametrize("settings", SMALL, ids=str)
def test_unit_graph_is_exact_for_every_small_model(settings):
    bounds = bounds_of(settings)
    unit, batched = explore(bounds), explore(bounds, batched=True)
    assert _summary(unit) == _summary(batched)
    # ... and both equal an independent enumeration of the batched actions (docs/semantics.md#actions).
    naive = oracle.reachable(settings.desired, settings.min_healthy_percent, settings.max_percent,
                             settings.capacity, settings.stopping_counts_toward_max)
    assert set(batched.graph) == set(naive)
    assert {(u, v) for u, v in batched.graph.edges} == {(u, v) for u, succ in naive.items() for v in succ}


def test_counterexamples_are_as_short_on_both_graphs():
    from verifier.explicit.paths import shortest_path
    for settings in SMALL[::7]:
        bounds = bounds_of(settings)
        unit, batched = explore(bounds), explore(bounds, batched=True)
        for target in itertools.islice(batched.graph, 0, None, 5):
            a = shortest_path(unit.graph, unit.initial, {target})
            b = shortest_path(batched.graph, batched.initial, {target})
            assert len(a.actions) == len(b.actions)
            # On the batched graph a plain breadth-first search counts the same thing.
            assert len(b.actions) == nx.shortest_path_length(batched.graph, batched.initial, target)


def test_budget_gives_inconclusive_with_advice():
    result = verify(make_model(12, 50, 200), Options(max_states=500, engine="explicit"))
    assert result.verdict is Verdict.INCONCLUSIVE
    unknown = [f for f in result.findings if f.status is Status.UNKNOWN]
    assert unknown and all("--max-states" in " ".join(f.details) for f in unknown)
    assert result.states <= 500


def test_budget_still_reports_a_real_violation():
    # A stricter requirement is broken within the first few states explored:
    # that counterexample is real even though the search did not finish.
    from verifier.model.records import Requirements, TaskCount
    model = make_model(12, 50, 200, requirements=Requirements(min_healthy=TaskCount(11)))
    result = verify(model, Options(max_states=200, engine="explicit"))
    assert result.verdict is Verdict.VIOLATED
    availability = next(f for f in result.findings if f.property_id == "availability")
    assert availability.counterexample.states[-1].healthy < 11


@pytest.mark.parametrize("settings", SMALL[::3], ids=str)
def test_edge_labels_are_determined_by_their_endpoints(settings):
    from verifier.semantics import action_between
    bounds = bounds_of(settings)
    for batched in (False, True):
        graph = explore(bounds, batched=batched).graph
        for u, v in graph.edges:
            assert action_between(u, v).apply(bounds, u) == v


@pytest.mark.parametrize("settings", SMALL, ids=str)
def test_estimate_is_a_lower_bound(settings):
    from verifier.explicit.explore import estimated_states
    bounds = bounds_of(settings)
    assert estimated_states(bounds) <= explore(bounds).states


def test_hopeless_space_searches_near_the_start_only():
    # D = 100000 on defaults: K = min(D, U - D) = 100000 new tasks can be launched and
    # become ready in any split, so at least 100001 * 100002 / 2 states exist.
    result = verify(make_model(100_000), Options(max_states=1_000_000, engine="explicit"))
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.step_plan.skipped
    # The optimal makespan no longer needs a search: U - D = 10^5 launches at 0, all
    # healthy at 150 s, then all 10^5 old stopped (L = D is met by the new) and gone at 450 s.
    assert result.optimal.makespan_seconds == 450
    assert result.states <= 20_000
    assert "at least 5,000,150,001 states" in " ".join(d for f in result.findings for d in f.details)
    # The ECS run is a simulation, not a search: it still answers.
    assert result.ecs.makespan_seconds == 450


def test_hopeless_space_still_finds_a_deadlock_at_the_start():
    result = verify(make_model(100_000, 100, 100), Options(max_states=1_000_000, engine="explicit"))
    assert result.verdict is Verdict.VIOLATED
    assert [f.property_id for f in result.findings if f.status is Status.VIOLATED] == ["progress"]
