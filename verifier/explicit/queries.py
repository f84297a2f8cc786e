"""What the checks ask of a compact exploration: shortest paths, who can still finish, dead ends.

Everything here works on packed keys (see `packing`) and recomputes edges from
the counts (see `explore.Exploration.next_keys`), so no query holds more than
an integer or two per state it touches.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from verifier.counterexample import Counterexample, merge_runs
from verifier.explicit.explore import LAUNCH, STOP, Exploration, new_marks, unit_successors
from verifier.semantics import Action, State, action_between, goal_state


def shortest_path(exploration: Exploration, source: State,
                  is_target: Callable[[State], bool]) -> Counterexample | None:
    """The path from `source` to the nearest state where `is_target` holds, fewest actions first.

    The same 0-1 breadth-first search as `paths.shortest_path` (a run of stops
    or launches is one action), over (key, running action) packed as
    key * 3 + running, expanding edges in the same order, so both return the
    same trace on the same graph.
    """
    if source not in exploration:
        return None
    decode = exploration.packing.state
    start = exploration.packing.key(source) * 3
    distance = {start: 0}
    parent: dict[int, int] = {}
    done: set[int] = set()
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in done:
            continue
        done.add(node)
        key, running = divmod(node, 3)
        if is_target(decode(key)):
            return merge_runs(source, _walk_back(exploration, parent, node))
        reached = distance[node]
        for kind, target in exploration.next_keys(key):
            # running: 0 after an event, 1 + kind while a run of stops (kind 0) or launches (kind 1) goes on
            cost = 0 if running and kind == running - 1 else 1
            following = target * 3 + (kind + 1 if kind in (STOP, LAUNCH) else 0)
            if following not in distance or reached + cost < distance[following]:
                distance[following] = reached + cost
                parent[following] = node
                if cost:
                    queue.append(following)
                else:
                    queue.appendleft(following)
    return None


def _walk_back(exploration: Exploration, parent: dict[int, int], node: int) -> list[tuple[Action, State]]:
    decode = exploration.packing.state
    steps = []
    while node in parent:
        previous = parent[node]
        before, after = decode(previous // 3), decode(node // 3)
        steps.append((action_between(before, after), after))
        node = previous
    steps.reverse()
    return steps


def can_finish(exploration: Exploration) -> tuple[Callable[[State], bool], int]:
    """Whether the goal is reachable from a state, and from how many, for a complete exploration.

    Every edge lowers 2o + s - p - 2n by exactly its unit amount, so the graph
    has no cycle and a pass over the states by increasing potential sees every
    successor before its predecessors: one pass decides them all. The unit
    edges decide it for the batched graph too (same goal reachability, see
    `explore`).
    """
    assert exploration.complete, "goal reachability needs every state's successors"
    packing, bounds = exploration.packing, exploration.bounds
    finishes = new_marks(packing.size)
    goal = goal_state(bounds)
    if goal not in exploration:
        return (lambda state: False), 0
    finishes[packing.key(goal)] = 1
    count = 1
    firsts, seconds, side, offsets = packing.firsts, packing.seconds, packing.side, packing.offsets
    if exploration.batched:
        def potential(key: int) -> int:
            first, second = divmod(key, side)
            return 2 * firsts[first] + seconds[first] - firsts[second] - 2 * seconds[second]
        ordered: Iterable[int] = sorted(exploration.order, key=potential)
    else:
        ordered = reversed(exploration.order)  # breadth-first depth is the potential's drop
    low, high, desired = bounds.min_healthy, bounds.max_tasks, bounds.desired
    capacity = bounds.capacity if bounds.capacity is not None else 4 * desired + 1  # never binding
    knob = bounds.stopping_counts_toward_max
    for key in ordered:
        if finishes[key]:
            continue
        # unit_successors, inlined as in explore's loop: a successor that finishes decides.
        first, second = divmod(key, side)
        old, stopping, pending, new = firsts[first], seconds[first], firsts[second], seconds[second]
        if (stopping and finishes[key - side]) \
                or (pending and finishes[key + offsets[pending - 1] - offsets[pending] + 1]) \
                or (old and old - 1 + new >= low and finishes[(offsets[old - 1] + stopping + 1) * side + second]) \
                or (pending + new < desired and old + pending + new + (stopping if knob else 0) < high
                    and old + stopping + pending + new < capacity
                    and finishes[key + offsets[pending + 1] - offsets[pending]]):
            finishes[key] = 1
            count += 1
    return (lambda state: packing.holds(state) and bool(finishes[packing.key(state)])), count


def dead_ends(exploration: Exploration) -> list[State]:
    """States whose successors were generated and are none, the goal excepted: the deadlocks found."""
    packing, bounds = exploration.packing, exploration.bounds
    goal = packing.key(goal_state(bounds))
    return [packing.state(key) for key in exploration.order[:exploration.expanded]
            if key != goal and not unit_successors(bounds, packing, key)]
