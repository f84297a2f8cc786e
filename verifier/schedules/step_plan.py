"""The step-plan view (docs/semantics.md#step-plan): rounds of `launch(k)` then wait, or `stop(j)` then wait.

Between steps nothing is pending or stopping, so a plan moves between settled
states (old, new). Guards are checked in the settled state where the step
starts: that is the state of the interleaving semantics at that moment, and
the waiting afterwards only turns pending into new or removes stopping tasks,
which never breaks a guard that held when the step began.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from verifier.model.records import PlanStep, Settings
from verifier.semantics import LAUNCH, STOP, Bounds, State


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


def step_seconds(settings: Settings, action: str) -> int:
    return settings.health_check_seconds if action == "launch" else settings.drain_seconds


def settled_graph(bounds: Bounds, settings: Settings, max_transitions: int) -> tuple[nx.DiGraph, bool]:
    """Settled states reachable by whole steps, edges carrying the step and its seconds."""
    start = (bounds.desired, 0)
    graph = nx.DiGraph()
    graph.add_node(start)
    stack = [start]
    edges = 0
    while stack:
        old, new = stack.pop()
        state = State(old, 0, 0, new)
        for transition in (STOP, LAUNCH):
            largest = transition.largest_amount(bounds, state)
            edges += largest
            if edges > max_transitions:
                return graph, False
            for amount in range(1, largest + 1):
                after = (old - amount, new) if transition is STOP else (old, new + amount)
                if after not in graph:
                    stack.append(after)
                graph.add_edge((old, new), after, step=PlanStep(transition.name, amount),
                               seconds=step_seconds(settings, transition.name))
    return graph, True


def plan_steps(bounds: Bounds, settings: Settings, max_transitions: int) -> StepPlan:
    graph, complete = settled_graph(bounds, settings, max_transitions)
    empty = StepPlan(None, (), (), None, (), (), complete, graph.number_of_nodes())
    start, goal = (bounds.desired, 0), (0, bounds.desired)
    if not complete or goal not in graph:
        return empty
    # Fewest steps first, then least time: one integer weight, exact, with the
    # step count in the high part (no plan's seconds can reach `scale`).
    longest = max(settings.health_check_seconds, settings.drain_seconds)
    scale = (graph.number_of_edges() + 1) * longest + 1
    ranked = nx.dijkstra_path(graph, start, goal, weight=lambda u, v, d: scale + d["seconds"])
    fastest = nx.dijkstra_path(graph, start, goal, weight="seconds")
    return StepPlan(
        min_steps=len(ranked) - 1,
        steps=_steps(graph, ranked),
        trace=tuple(ranked),
        sequential_seconds=sum(graph.edges[u, v]["seconds"] for u, v in zip(fastest, fastest[1:])),
        sequential_steps=_steps(graph, fastest),
        sequential_trace=tuple(fastest),
        complete=True,
        settled_states=graph.number_of_nodes(),
    )


def _steps(graph: nx.DiGraph, path: list) -> tuple[PlanStep, ...]:
    return tuple(graph.edges[u, v]["step"] for u, v in zip(path, path[1:]))
