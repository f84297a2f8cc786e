"""The closed forms used to scan desired ranges, against the explicit engine on every small model."""

import networkx as nx
import pytest

from verifier.explicit.explore import explore
from verifier.model.records import Settings
from verifier.semantics import bounds_of, counted, goal_state
from verifier.smt.closed_forms import capacity_exceeded, highest_counted, invariant_deadlock, lowest_healthy

CASES = [Settings(d, m, x, c, stopping_counts_toward_max=k)
         for d in range(0, 8) for m in range(0, 201, 25) for x in range(0, 201, 25)
         for c in (None, max(d - 1, 0), d, d + 1, d + 3) for k in (False, True)]


@pytest.mark.parametrize("chunk", range(8))
def test_closed_forms_match_the_explicit_graph(chunk):
    for settings in CASES[chunk::8]:
        bounds = bounds_of(settings)
        graph = explore(bounds).graph
        assert lowest_healthy(bounds) == min(s.healthy for s in graph), settings
        assert highest_counted(bounds) == max(counted(bounds, s) for s in graph), settings
        assert capacity_exceeded(bounds) == (bounds.capacity is not None and
                                             max(s.occupied for s in graph) > bounds.capacity)
        goal = goal_state(bounds)
        finishes = goal in graph and nx.ancestors(graph, goal) | {goal} == set(graph)
        # The invariant over-approximates the reachable states; on every small model its
        # deadlocks exist exactly when the real graph has one.
        assert invariant_deadlock(bounds) == (not finishes), settings
