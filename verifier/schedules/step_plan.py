"""The step-plan view (docs/semantics.md#step-plan): rounds of `launch(k)` then wait, or `stop(j)` then wait.

Between steps nothing is pending or stopping, so a plan moves between settled
states (old, new); `semantics.settled_step` defines one step, for this
search and for the Z3 searches of `certified` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from verifier.counterexample import PairRepeat
from verifier.defaults import DEFAULT_MAX_MEMORY_MB
from verifier.explicit import memory
from verifier.model.records import PlanStep
from verifier.semantics import LAUNCH, STOP, Deployment, State, goal_state, initial_state, settled_step


def shown_trace(trace: tuple[tuple[int, int], ...], repeats: tuple[PairRepeat, ...] = ()) -> str:
    """`(6,0) (3,0) (3,3)`, with `[last 2 steps x98 more]` where a repeat marker stands."""
    markers = {r.at: r for r in repeats}
    words = []
    for index, (old, new) in enumerate(trace):
        if index in markers:
            marker = markers[index]
            words.append(f"[last {marker.steps} step{'s' * (marker.steps != 1)} x{marker.periods:,} more]")
        words.append(f"({old},{new})")
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class StepPlan:
    min_steps: int | None                 # fewest steps initial -> goal; None if no plan exists
    steps: tuple[PlanStep, ...]           # a fewest-step plan, the fastest among them
    trace: tuple[tuple[int, int], ...]    # its settled (old, new) states
    sequential_seconds: int | None        # least total time of any step plan
    sequential_steps: tuple[PlanStep, ...]
    sequential_trace: tuple[tuple[int, int], ...]
    complete: bool = True                 # False when the budget stopped the search
    settled_states: int = 0
    skipped: bool = False                 # not searched at all: known to exceed the budget
    certificate: str = ""                 # at scale: how the figures were bounded (certified.py)
    upper_steps: int | None = None        # at scale: steps of the best plan found
    upper_seconds: int | None = None      # at scale: seconds of the fastest plan found
    lower_steps: int | None = None        # at scale: steps every plan needs at least (proved)
    trace_repeats: tuple[PairRepeat, ...] = ()             # at scale: repeat markers in `trace`
    sequential_trace_repeats: tuple[PairRepeat, ...] = ()  # and in `sequential_trace`


def fewest_steps_text(plan: StepPlan) -> str:
    """The fewest steps as a report says it: a number, "none" only where no plan is proved, else "unknown"."""
    if plan.min_steps is not None:
        return str(plan.min_steps)
    return "none" if plan.complete else "unknown"


def settled_graph(deployment: Deployment, max_transitions: int,
                  max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> tuple[nx.DiGraph, bool]:
    """Settled states reachable by whole steps, edges carrying the step and its seconds;
    incomplete past `max_transitions` steps or `max_memory_mb` of memory."""
    bounds = deployment.bounds
    start = initial_state(bounds).pair()
    graph = nx.DiGraph()
    graph.add_node(start)
    stack = [start]
    edges = 0
    while stack:
        old, new = stack.pop()
        state = State(old, 0, 0, new)
        for transition in (STOP, LAUNCH):
            largest = transition.largest_amount(bounds, state)
            if edges // memory.CHECK_EVERY != (edges + largest) // memory.CHECK_EVERY and memory.over(max_memory_mb):
                return graph, False
            edges += largest
            if edges > max_transitions:
                return graph, False
            for amount in range(1, largest + 1):
                after = settled_step(bounds, state, transition, amount)[1].pair()
                if after not in graph:
                    stack.append(after)
                graph.add_edge((old, new), after, step=PlanStep(transition.name, amount),
                               seconds=deployment.step_seconds(transition.name))
    return graph, True


def plan_steps(deployment: Deployment, max_transitions: int,
               max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> StepPlan:
    bounds = deployment.bounds
    try:
        graph, complete = settled_graph(deployment, max_transitions, max_memory_mb)
    except MemoryError:
        return StepPlan(None, (), (), None, (), (), complete=False)
    empty = StepPlan(None, (), (), None, (), (), complete, graph.number_of_nodes())
    start, goal = initial_state(bounds).pair(), goal_state(bounds).pair()
    if not complete or goal not in graph:
        return empty
    # Fewest steps first, then least time: one integer weight, exact, with the
    # step count in the high part (no plan's seconds can reach `scale`).
    longest = max(deployment.health_check_seconds, deployment.drain_seconds)
    scale = (graph.number_of_edges() + 1) * longest + 1
    ranked = nx.dijkstra_path(graph, start, goal, weight=lambda u, v, d: scale + d["seconds"])
    fastest = nx.dijkstra_path(graph, start, goal, weight="seconds")
    return StepPlan(
        min_steps=len(ranked) - 1,
        steps=_steps(graph, ranked),
        trace=tuple(ranked),
        sequential_seconds=sum(graph.edges[u, v]["seconds"] for u, v in pairwise(fastest)),
        sequential_steps=_steps(graph, fastest),
        sequential_trace=tuple(fastest),
        complete=True,
        settled_states=graph.number_of_nodes(),
    )


def _steps(graph: nx.DiGraph, path: list[tuple[int, int]]) -> tuple[PlanStep, ...]:
    return tuple(graph.edges[u, v]["step"] for u, v in pairwise(path))
