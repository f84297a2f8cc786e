"""Shortest counterexamples in the explicit engine's graph.

Length is counted in scheduler actions, as the semantics states them: a run of
unit `stop(1)` edges in the unit graph is one `stop(j)`. A 0-1 breadth-first
search over (state, action that is still running) measures exactly that: an
edge that continues a run of stops or launches costs 0, any other edge costs 1.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection

import networkx as nx

from verifier.counterexample import Counterexample, merge_runs
from verifier.semantics import BY_NAME, Action, State, action_between

# A state with the scheduler action whose run is still going on into it (None after an event).
_Node = tuple[State, str | None]


def shortest_path(graph: nx.DiGraph, source: State, targets: Collection[State]) -> Counterexample | None:
    """The path from `source` to the nearest of `targets`, fewest actions first; None if none is reachable."""
    if not targets:
        return None
    start: _Node = (source, None)
    distance = {start: 0}
    parent: dict[_Node, tuple[_Node, Action]] = {}
    done: set[_Node] = set()
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in done:
            continue
        done.add(node)
        state, running = node
        if state in targets:
            return merge_runs(source, _walk_back(parent, node))
        for target in graph.adj[state]:
            action = action_between(state, target)
            cost = 0 if action.name == running else 1
            following: _Node = (target, action.name if BY_NAME[action.name].controllable else None)
            if following not in distance or distance[node] + cost < distance[following]:
                distance[following] = distance[node] + cost
                parent[following] = (node, action)
                if cost:
                    queue.append(following)
                else:
                    queue.appendleft(following)
    return None


def _walk_back(parent: dict[_Node, tuple[_Node, Action]], node: _Node) -> list[tuple[Action, State]]:
    steps = []
    while node in parent:
        previous, action = parent[node]
        steps.append((action, node[0]))
        node = previous
    steps.reverse()
    return steps
