"""Breadth-first search of the placement interleaving graph (docs/semantics.md#placement).

Nodes are canonical layouts (each group's per-instance counts sorted), so
identical instances are searched once, which is exact: renumbering identical
instances maps every path to a path. Breadth-first order gives shortest paths;
a trace is then re-played on concrete instances so that each instance keeps its
number from the first state to the last.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from verifier.counterexample import Counterexample
from verifier.model.placement import Placement
from verifier.placement_semantics import Layout, PlacedAction, canonical, is_goal, moves, total, unit_moves
from verifier.semantics import Bounds


@dataclass(frozen=True, slots=True)
class PlacementGraph:
    initial: Layout                          # as placed, not canonical
    parents: dict[Layout, Layout | None]     # canonical layout -> its breadth-first parent; in visit order
    successors: dict[Layout, tuple[Layout, ...]]
    complete: bool                           # False: the state budget ended the search

    @property
    def states(self) -> int:
        return len(self.parents)

    def path_to(self, layout: Layout) -> list[Layout]:
        """The canonical layouts of a shortest path from the initial state to `layout`."""
        path = [layout]
        while (parent := self.parents[path[-1]]) is not None:
            path.append(parent)
        return path[::-1]


def explore_placement(placement: Placement, bounds: Bounds, initial: Layout, max_states: int,
                      reduce: bool = True) -> PlacementGraph:
    """Every layout reachable from `initial`, up to `max_states`; `reduce=False` keeps layouts as they
    are (no symmetry reduction), for the test that shows the reduction exact."""
    def key(layout: Layout) -> Layout:
        return canonical(placement, layout) if reduce else layout

    start = key(initial)
    parents: dict[Layout, Layout | None] = {start: None}
    # Each layout is kept once: an edge refers to the stored tuple, not to the equal one a move built
    # (at ten instances that halves the memory a search holds).
    stored: dict[Layout, Layout] = {start: start}
    successors: dict[Layout, tuple[Layout, ...]] = {}
    queue = deque([start])
    complete = True
    while queue:
        layout = queue.popleft()
        following = []
        for after in dict.fromkeys(key(after) for _, _, after in unit_moves(placement, bounds, layout, reduce)):
            known = stored.get(after)
            if known is None:
                if len(parents) >= max_states:
                    complete = False
                    following.append(after)
                    continue
                known = stored[after] = after
                parents[after] = layout
                queue.append(after)
            following.append(known)
        successors[layout] = tuple(following)
    return PlacementGraph(initial, parents, successors, complete)


def path_onward(graph: PlacementGraph, start: Layout, target: Callable[[Layout], bool]) -> list[Layout] | None:
    """The canonical layouts of a shortest path from `start` to a layout that `target` accepts, over
    the explored edges; None when there is none."""
    parents: dict[Layout, Layout | None] = {start: None}
    queue = deque([start])
    while queue:
        layout = queue.popleft()
        if target(layout):
            path = [layout]
            while (parent := parents[path[-1]]) is not None:
                path.append(parent)
            return path[::-1]
        for after in graph.successors.get(layout, ()):
            if after not in parents:
                parents[after] = layout
                queue.append(after)
    return None


def goal_reachers(graph: PlacementGraph, bounds: Bounds) -> set[Layout]:
    """The explored layouts from which some path reaches the goal (backward search from the goals)."""
    predecessors: dict[Layout, list[Layout]] = {}
    for layout, following in graph.successors.items():
        for after in following:
            predecessors.setdefault(after, []).append(layout)
    reached = {layout for layout in graph.parents if is_goal(bounds, layout)}
    queue = deque(reached)
    while queue:
        for before in predecessors.get(queue.popleft(), ()):
            if before not in reached:
                reached.add(before)
                queue.append(before)
    return reached


def concrete_trace(placement: Placement, bounds: Bounds, graph: PlacementGraph, path: list[Layout],
                   reduce: bool = True) -> Counterexample:
    """The canonical `path` walked on numbered instances from the initial layout: at each step the unit
    move whose result has the next canonical form, so every instance keeps its number throughout."""
    layout = graph.initial
    layouts, actions = [layout], []
    for following in path[1:]:
        step = next((action, after) for action, after in moves(placement, bounds, layout)
                    if (canonical(placement, after) if reduce else after) == following)
        actions.append(step[0])
        layout = step[1]
        layouts.append(layout)
    return layout_trace(tuple(layouts), tuple(actions))


def layout_trace(layouts: tuple[Layout, ...], actions: tuple[PlacedAction, ...],
                 times: tuple[int, ...] | None = None) -> Counterexample:
    """A counterexample whose states are the sums and whose `instances` are the layouts."""
    return Counterexample(tuple(total(layout) for layout in layouts), actions, times=times, instances=layouts)
