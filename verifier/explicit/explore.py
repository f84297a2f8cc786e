"""Explicit-state exploration of the interleaving graph into a networkx DiGraph (docs/semantics.md#interleaving-graph).

Two graphs over the same states:

* the *batched* graph has an edge for every `stop(j)` and `launch(k)` the
  scheduler could take, exactly as docs/semantics.md#actions states them;
* the *unit* graph keeps only `stop(1)` and `launch(1)` (events are single
  anyway).

They have the same reachable states, the same goal reachability and the same
deadlocks, because every guard is downward closed in its amount: `stop(j)` is
enabled iff the run `stop(1)` x j is, step by step, and reaches the same state
(likewise `launch(k)`). A batched path is therefore a unit path with its runs
of equal actions merged, which is how `counterexample.shortest_path` measures
length. The unit graph has at most four edges per state instead of O(D), so it
is the default; tests compare the two on every small model.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import networkx as nx

from verifier.defaults import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES
from verifier.explicit import memory
from verifier.semantics import TRANSITIONS, Bounds, State, initial_state


@dataclass(frozen=True, slots=True)
class Exploration:
    """The graph of states reached from the initial state, and whether the search finished."""

    bounds: Bounds
    graph: nx.DiGraph
    initial: State
    batched: bool
    complete: bool
    unexpanded: frozenset[State] = field(default=frozenset())  # discovered, successors unknown
    out_of_memory: bool = False   # stopped at the memory budget (or a MemoryError), not the state budget

    @property
    def states(self) -> int:
        count: int = self.graph.number_of_nodes()   # networkx ships no type information
        return count


def successors(bounds: Bounds, state: State, batched: bool) -> Iterator[State]:
    for transition in TRANSITIONS:
        if not all(transition.guard(bounds, state, 1)):
            continue
        if batched and transition.controllable:
            for amount in range(1, transition.largest_amount(bounds, state) + 1):
                yield transition.effect(state, amount)
        else:
            yield transition.effect(state, 1)


def estimated_states(bounds: Bounds) -> int:
    """A lower bound on the reachable states, cheap enough to ask before searching.

    From the initial state, ECS may launch up to K = min(D, U - D, C - D) new
    tasks and let any of them become ready, giving (K+1)(K+2)/2 distinct states;
    likewise it may stop up to J = D - L old tasks and let any be gone. Both sets
    are reachable, so the larger triangle is a lower bound.
    """
    desired = bounds.desired
    launchable = min(desired, bounds.max_tasks - desired)
    if bounds.capacity is not None:
        launchable = min(launchable, bounds.capacity - desired)
    stoppable = min(desired, desired - bounds.min_healthy)
    largest = max(launchable, stoppable, 0)
    return (largest + 1) * (largest + 2) // 2


def explore(bounds: Bounds, max_states: int = DEFAULT_MAX_STATES, batched: bool = False,
            progress: Callable[[int], None] | None = None,
            max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> Exploration:
    """Breadth-first search from the initial state, stopping once `max_states` states are known,
    or once the process holds more than `max_memory_mb` (see `memory`), or at a MemoryError.

    Edges go to networkx in chunks, unlabelled (see `semantics.action_between`),
    and the cyclic garbage collector is paused meanwhile: the search allocates
    millions of small acyclic objects, and the collector's repeated passes over
    them cost more than the search itself.
    """
    start = initial_state(bounds)
    graph = nx.DiGraph()
    graph.add_node(start)
    seen = {start}
    queue = deque([start])
    edges: list[tuple[State, State]] = []
    complete = True
    next_report = 65536
    next_look = memory.CHECK_EVERY
    out_of_memory = False
    collecting = gc.isenabled()
    gc.disable()
    # Unit steps are by far the common case: their guards and effects are bound
    # once here, so the loop below does no attribute lookups per state.
    unit_steps = tuple((t.guard, t.effect) for t in TRANSITIONS)
    pop, push, mark, record = queue.popleft, queue.append, seen.add, edges.append
    try:
        while queue:
            state = pop()
            if batched:
                found = list(successors(bounds, state, batched))
            else:
                found = [effect(state, 1) for guard, effect in unit_steps if all(guard(bounds, state, 1))]
            if len(seen) + len(found) > max_states and \
                    len(seen) + len({t for t in found if t not in seen}) > max_states:
                queue.appendleft(state)
                complete = False
                break
            for target in found:
                if target not in seen:
                    mark(target)
                    push(target)
                record((state, target))
            if len(edges) >= _CHUNK:
                graph.add_edges_from(edges)
                edges.clear()
            if progress is not None and len(seen) >= next_report:
                progress(len(seen))
                next_report *= 2
            if len(seen) >= next_look:
                next_look += memory.CHECK_EVERY
                if memory.over(max_memory_mb):
                    complete, out_of_memory = False, True
                    break
        graph.add_edges_from(edges)
    except MemoryError:
        # Stop with what the graph holds: each of its states is still reachable, so a violation
        # found in it is real; the states whose edges were not yet added count as unexpanded.
        edges.clear()
        complete, out_of_memory = False, True
        queue.extend(state for state in graph if graph.out_degree(state) == 0)
    finally:
        if collecting:
            gc.enable()
    return Exploration(bounds, graph, start, batched, complete,
                       frozenset(queue) if not complete else frozenset(), out_of_memory)


_CHUNK = 65536  # edges held outside the graph at once
