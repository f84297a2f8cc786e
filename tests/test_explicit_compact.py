"""The packed explicit engine against a plain networkx build of the same graph, and auto's choice.

The reference below is written here from the semantics' transitions: a
breadth-first search that stores every State and edge in a networkx DiGraph,
as the engine did before states were packed. Every query the checks make of an
exploration (states, edges, goal reachability, deadlocks, extremes, shortest
counterexamples) must give the same answer on both.
"""

from __future__ import annotations

from collections import deque

import networkx as nx
import oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.verify import AUTO_EXPLICIT_STATES, Options, choose_engine, verify
from verifier.explicit import explore as explore_module
from verifier.explicit import packing as packing_module
from verifier.explicit.bound import reachable_bound
from verifier.explicit.explore import explore, successors
from verifier.explicit.packing import Packing
from verifier.explicit.paths import shortest_path as path_in_graph
from verifier.explicit.queries import can_finish, dead_ends, shortest_path
from verifier.model.records import Model, Settings
from verifier.results import Engine
from verifier.semantics import State, bounds_of, counted, goal_state, is_deadlock


def plain_graph(bounds, batched=False):
    """Breadth-first search into a networkx DiGraph, one State object per node."""
    start = State(bounds.desired, 0, 0, 0)
    graph = nx.DiGraph()
    graph.add_node(start)
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for target in successors(bounds, state, batched):
            if target not in graph:
                queue.append(target)
            graph.add_edge(state, target)
    return graph


small_settings = st.builds(
    lambda d, m, x, extra, knob: Settings(d, m, x, None if extra is None else d + extra,
                                          stopping_counts_toward_max=knob),
    st.integers(0, 8), st.sampled_from([0, 25, 50, 75, 100]), st.sampled_from([50, 100, 125, 150, 200]),
    st.one_of(st.none(), st.integers(-2, 4)), st.booleans())


def _same_as_plain(exploration, graph):
    bounds = exploration.bounds
    assert exploration.complete and exploration.states == graph.number_of_nodes()
    assert set(exploration.each_state()) == set(graph)
    assert set(exploration.graph.edges) == set(graph.edges)
    goal = goal_state(bounds)
    finishing = nx.ancestors(graph, goal) | {goal} if goal in graph else set()
    finishes, count = can_finish(exploration)
    assert {s for s in graph if finishes(s)} == finishing and count == len(finishing)
    assert set(dead_ends(exploration)) == {s for s in graph if is_deadlock(bounds, s)}
    assert exploration.extremes() == (min(s.healthy for s in graph), max(s.occupied for s in graph),
                                      max(counted(bounds, s) for s in graph))


@settings(max_examples=40, deadline=None)
@given(small_settings)
def test_packed_search_equals_a_plain_networkx_build(settings_):
    bounds = bounds_of(settings_)
    for batched in (False, True):
        exploration, graph = explore(bounds, batched=batched), plain_graph(bounds, batched)
        _same_as_plain(exploration, graph)
        # The same shortest counterexample, trace for trace, as the 0-1 search over the plain graph.
        nodes = list(graph)
        for target in nodes[::max(1, len(nodes) // 6)]:
            assert shortest_path(exploration, exploration.initial, lambda s, t=target: s == t) == \
                path_in_graph(graph, exploration.initial, {target})


@settings(max_examples=25, deadline=None)
@given(small_settings)
def test_sparse_marks_and_computed_tables_give_the_same_search(settings_):
    bounds = bounds_of(settings_)
    dense = explore(bounds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(explore_module, "DENSE_MARKS", 0)
        patch.setattr(packing_module, "DENSE_TABLE", 0)
        sparse = explore(bounds)
    assert not isinstance(sparse.marks, bytearray) and not isinstance(sparse.packing.firsts, list)
    assert list(sparse.order) == list(dense.order)
    assert set(sparse.graph.edges) == set(dense.graph.edges)


def test_every_key_decodes_to_its_state():
    for desired in (0, 1, 2, 7):
        packing = Packing(desired)
        triangle = [(a, b) for a in range(desired + 1) for b in range(desired + 1 - a)]
        keys = {packing.key(State(o, s, p, n)) for o, s in triangle for p, n in triangle}
        # Dense: the keys are exactly 0 .. T^2 - 1, T the triangle's points.
        assert keys == set(range(len(triangle) ** 2))
        for key in keys:
            assert packing.key(packing.state(key)) == key


def test_computed_rank_tables_at_a_huge_count():
    packing = Packing(10**6)
    assert not isinstance(packing.firsts, list)
    for state in (State(10**6, 0, 0, 0), State(0, 10**6, 3, 10**6 - 3), State(123_456, 800_000, 1, 0),
                  State(0, 0, 0, 10**6), State(0, 0, 0, 0)):
        assert packing.state(packing.key(state)) == state


def test_a_cut_short_search_expands_no_state_partly():
    bounds = bounds_of(Settings(12, 50, 200))
    whole, cut = plain_graph(bounds), explore(bounds, max_states=200)
    assert not cut.complete and cut.states <= 200
    for state in cut.each_state():
        assert state in whole
        if state not in cut.unexpanded:
            assert set(cut.successors_of(state)) == set(whole.successors(state))


@settings(max_examples=80, deadline=None)
@given(small_settings)
def test_the_bound_auto_uses_is_an_upper_bound(settings_):
    s = settings_
    reachable = len(oracle.reachable(s.desired, s.min_healthy_percent, s.max_percent, s.capacity,
                                     s.stopping_counts_toward_max))
    assert reachable_bound(bounds_of(s), 10**9) >= reachable
    # Past a limit it stops counting, but still says the limit is passed.
    if reachable > 3:
        assert reachable_bound(bounds_of(s), 3) > 3


@pytest.mark.parametrize("desired", range(0, 9))
def test_the_bound_is_exact_where_the_start_satisfies_every_guard(desired):
    # Checked against the independent enumeration, not derived: minimum 50 or 100, maximum 200.
    for minimum in (50, 100):
        reachable = len(oracle.reachable(desired, minimum, 200, None, False))
        assert reachable_bound(bounds_of(Settings(desired, minimum, 200)), 10**9) == reachable


def test_auto_counts_capacity_in():
    # D = 100 with 102 slots: only two tasks can ever be in flight. The packed search (checked
    # against networkx above) finds 995 states, so auto searches them instead of calling Z3.
    bounds = bounds_of(Settings(100, 100, 200, 102))
    assert explore(bounds).states == 995 == reachable_bound(bounds, 10**6)
    assert choose_engine(Engine.AUTO, bounds, 10**6) is Engine.EXPLICIT
    result = verify(Model("tight", Settings(100, 100, 200, 102)))
    assert result.engine is Engine.EXPLICIT and result.states == 995


def test_auto_takes_smt_where_the_explicit_search_would_cost_more():
    # Minimum 50: the bound says more than AUTO_EXPLICIT_STATES states, and a search confirms it
    # (D = 39 has over half a million states, about 20 us each in a whole verify, against a few
    # tenths of a second for the SMT engine), so auto picks SMT at 39 as at 43 and 44. Before,
    # auto searched D = 39 explicitly (its size bound fit the budget), with every schedule: 20 s.
    for desired in (39, 43, 44):
        bounds = bounds_of(Settings(desired, 50, 200))
        assert reachable_bound(bounds, AUTO_EXPLICIT_STATES) > AUTO_EXPLICIT_STATES
        assert choose_engine(Engine.AUTO, bounds, 10**6) is Engine.SMT
    assert not explore(bounds_of(Settings(39, 50, 200)), max_states=AUTO_EXPLICIT_STATES + 1).complete
    result = verify(Model("d39", Settings(39, 50, 200)), Options())
    assert result.engine is Engine.SMT and result.verdict.value == "proved"
    assert result.seconds < 10


def test_auto_keeps_the_explicit_engine_for_small_models():
    for desired in (1, 3, 6, 12):
        bounds = bounds_of(Settings(desired, 50, 200))
        reachable = len(oracle.reachable(desired, 50, 200, None, False))
        assert reachable <= AUTO_EXPLICIT_STATES
        assert choose_engine(Engine.AUTO, bounds, 10**6) is Engine.EXPLICIT
