"""Shortest counterexamples, and the replay that must confirm each one before it is reported.

Length is counted in scheduler actions as SPEC section 4 states them: a run of
unit `stop(1)` edges in the unit graph is one `stop(j)`. A 0-1 breadth-first
search over (state, action that is still running) measures exactly that: an
edge that continues a run of stops or launches costs 0, any other edge costs 1.
Merging two adjacent stops (or launches) is always allowed, because a guard is
checked on the final amount only, so a shortest batched path never has two in a row.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass

import networkx as nx

from .errors import ReplayError
from .semantics import BY_NAME, Action, Bounds, State, action_between, initial_state


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A trace from the initial state: states[i] --actions[i]--> states[i + 1]."""

    states: tuple[State, ...]
    actions: tuple[Action, ...]
    times: tuple[int, ...] | None = None  # seconds at each state, for timed traces
    note: str = ""
    repeats: tuple = ()   # periodic.Repeat records, one per `repeat` action in `actions`

    def to_json(self) -> dict:
        result: dict = {
            "states": [state._asdict() for state in self.states],
            "actions": [str(action) for action in self.actions],
        }
        if self.times is not None:
            result["times"] = list(self.times)
        if self.repeats:
            result["repeats"] = [{"first_step": r.first, "last_step": r.last, "periods": r.periods,
                                  "delta": r.delta._asdict(), "seconds_per_period": r.seconds}
                                 for r in self.repeats]
        return result


def merge_runs(start: State, steps: list[tuple[Action, State]]) -> Counterexample:
    """Fold consecutive stops (or launches) into one action with the summed amount."""
    states = [start]
    actions: list[Action] = []
    for action, state in steps:
        previous = actions[-1] if actions else None
        if previous and previous.name == action.name and BY_NAME[action.name].controllable:
            actions[-1] = Action(action.name, previous.amount + action.amount)
            states[-1] = state
        else:
            actions.append(action)
            states.append(state)
    return Counterexample(tuple(states), tuple(actions))


def shortest_path(graph: nx.DiGraph, source: State, targets: Collection[State]) -> Counterexample | None:
    """The path from `source` to the nearest of `targets`, fewest actions first; None if none is reachable."""
    if not targets:
        return None
    start = (source, None)
    distance = {start: 0}
    parent: dict[tuple, tuple[tuple, Action]] = {}
    done = set()
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
            following = (target, action.name if BY_NAME[action.name].controllable else None)
            if following not in distance or distance[node] + cost < distance[following]:
                distance[following] = distance[node] + cost
                parent[following] = (node, action)
                if cost:
                    queue.append(following)
                else:
                    queue.appendleft(following)
    return None


def _walk_back(parent: dict, node: tuple) -> list[tuple[Action, State]]:
    steps = []
    while node in parent:
        previous, action = parent[node]
        steps.append((action, node[0]))
        node = previous
    steps.reverse()
    return steps


def join(first: Counterexample, second: Counterexample) -> Counterexample:
    """`first` followed by `second`, which must start where `first` ends."""
    if first.states[-1] != second.states[0]:
        raise ValueError("traces do not meet")
    steps = list(zip(first.actions, first.states[1:])) + list(zip(second.actions, second.states[1:]))
    return merge_runs(first.states[0], steps)


def replay(bounds: Bounds, trace: Counterexample, final_check: Callable[[State], bool],
           what: str) -> Counterexample:
    """Re-run `trace` through the plain semantics and confirm it ends where `final_check` says.

    Raises ReplayError (never reported as a finding) if any step is not enabled,
    lands elsewhere than the trace claims, or the end does not violate `what`.
    """
    if not trace.states or trace.states[0] != initial_state(bounds):
        raise ReplayError(f"{what}: counterexample does not start in the initial state")
    state = trace.states[0]
    repeats = {r.last: r for r in trace.repeats}
    for index, action in enumerate(trace.actions):
        if action.name == "repeat":
            following = _replay_repeat(bounds, trace, repeats.get(index), state, what)
        else:
            following = action.apply(bounds, state)
        if following is None:
            raise ReplayError(f"{what}: step {index + 1} ({action}) is not enabled in {tuple(state)}")
        if following != trace.states[index + 1]:
            raise ReplayError(f"{what}: step {index + 1} ({action}) reaches {tuple(following)}, "
                              f"not {tuple(trace.states[index + 1])}")
        state = following
    if not final_check(state):
        raise ReplayError(f"{what}: replayed counterexample ends in {tuple(state)}, which is not a violation")
    return trace


def _replay_repeat(bounds: Bounds, trace: Counterexample, repeat, state: State, what: str) -> State:
    """A repeated period replays when Z3 confirms every repetition of its steps is allowed."""
    from .periodic import repeats_for, shifted
    if repeat is None:
        raise ReplayError(f"{what}: a repeat step without its period")
    period = list(zip(trace.states[repeat.first:repeat.last], trace.actions[repeat.first:repeat.last]))
    if any(action.name == "repeat" for _, action in period) or \
            not repeats_for(bounds, period, repeat.delta, repeat.periods):
        raise ReplayError(f"{what}: the period of steps {repeat.first}..{repeat.last} does not repeat "
                          f"{repeat.periods} times")
    return shifted(state, repeat.delta, repeat.periods)
