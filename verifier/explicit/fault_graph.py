"""Explicit-state exploration of the fault graph: the interleaving graph of a bad release.

The states are `fault_semantics.FaultState`s and the edges its unit steps
(`fault_successors`), found breadth first from the initial state, so the parent
recorded for each state lies on a shortest path (in unit steps) from the start.
The search stops at `max_states` states: a state is expanded only when all of
its new successors fit, so a cut-short graph still knows every edge out of each
state it expanded, and every state it holds is reachable (a violation among
them is real; its absence proves nothing).

Storage: a state is packed into one integer (a byte per count while every
count fits one, mixed radix over its twelve counts beyond), and the edges of
the expanded states are kept as flat arrays, one target and one transition
index per edge, so the queries below (goal reachability backwards, lassos,
shortest paths) never recompute a guard. That is under 200 bytes per state;
the fault graphs of a broken release are small (about 15,000 states at D = 20,
200,000 at D = 40), and the budget bounds the rest.

The queries answer what docs/semantics.md#faults asks of the graph: which
states can still reach a goal through steps that must happen (optional faults
are never a way out), the lowest healthy count and the peaks over every
reachable state, the dead ends, and traces to each.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterator

from verifier.counterexample import Counterexample
from verifier.fault_semantics import (
    FAULT_TRANSITIONS,
    FaultBounds,
    FaultState,
    counted,
    fault_successors,
    initial_fault_state,
    is_goal,
)
from verifier.semantics import Action, State

KIND = {transition.name: index for index, transition in enumerate(FAULT_TRANSITIONS)}
FIELDS = len(FaultState._fields)


class FaultGraph:
    """The fault states reached from the initial state, their edges, and whether the search finished."""

    __slots__ = ("_optional", "complete", "edge_kinds", "edge_start", "edge_targets", "expanded", "fb",
                 "index", "lowest_healthy", "order", "parent", "parent_kind", "peak_counted", "peak_occupied",
                 "radix")

    def __init__(self, fb: FaultBounds) -> None:
        self.fb = fb
        b, faults = fb.bounds, fb.faults
        # Every count of a reachable state is at most max(D, U) (launch guards and the rollback's
        # target), the breaker's counter at most T, crashes and flaky failures at most their budgets.
        radix = 1 + max(b.desired, b.max_tasks, fb.threshold or 0, faults.old_task_crashes, faults.flaky_failures, 2)
        self.radix = 256 if radix <= 256 else radix
        self.order: list[int] = []            # packed states, breadth first
        self.index: dict[int, int] = {}       # packed state -> its place in `order`
        self.parent = array("q")              # place of the state it was first reached from (-1: the start)
        self.parent_kind = array("b")         # the transition (index in FAULT_TRANSITIONS) that reached it
        self.edge_start = array("q", [0])     # edges of order[i] are edge_start[i]:edge_start[i + 1]
        self.edge_targets = array("q")
        self.edge_kinds = array("b")
        self.expanded = 0
        self.complete = True
        self._optional = tuple(transition.optional(fb) for transition in FAULT_TRANSITIONS)
        start = initial_fault_state(fb)
        self.lowest_healthy, self.peak_counted, self.peak_occupied = start.healthy, 0, 0
        self._add(start, -1, -1)

    # --- states -------------------------------------------------------------------------------

    @property
    def states(self) -> int:
        return len(self.order)

    def pack(self, state: FaultState) -> int:
        if self.radix <= 256:
            # One byte per count: `bytes` itself refuses a value outside 0..255, and is the fast path.
            return int.from_bytes(bytes(state), "big")
        key = 0
        for value in state:
            if not 0 <= value < self.radix:
                raise ValueError(f"fault state {tuple(state)} is outside the packing's radix {self.radix}")
            key = key * self.radix + value
        return key

    def state(self, place: int) -> FaultState:
        key = self.order[place]
        if self.radix <= 256:
            return FaultState(*key.to_bytes(FIELDS, "big"))
        values = [0] * FIELDS
        for field in range(FIELDS - 1, -1, -1):
            key, values[field] = divmod(key, self.radix)
        return FaultState(*values)

    def place_of(self, state: FaultState) -> int | None:
        try:
            return self.index.get(self.pack(state))
        except ValueError:
            return None

    def each_state(self) -> Iterator[FaultState]:
        for place in range(len(self.order)):
            yield self.state(place)

    def _add(self, state: FaultState, parent: int, kind: int) -> int:
        place = len(self.order)
        key = self.pack(state)
        self.order.append(key)
        self.index[key] = place
        self.parent.append(parent)
        self.parent_kind.append(kind)
        self.lowest_healthy = min(self.lowest_healthy, state.healthy)
        self.peak_counted = max(self.peak_counted, counted(self.fb.bounds, state))
        self.peak_occupied = max(self.peak_occupied, state.occupied)
        return place

    # --- edges --------------------------------------------------------------------------------

    def edges(self, place: int) -> Iterator[tuple[int, int]]:
        """(transition index, target place) for every edge out of an expanded state."""
        if place >= self.expanded:
            return
        for edge in range(self.edge_start[place], self.edge_start[place + 1]):
            yield self.edge_kinds[edge], self.edge_targets[edge]

    def is_optional(self, kind: int) -> bool:
        """Whether steps of this transition may happen but need not (docs/semantics.md#faults)."""
        return self._optional[kind]

    def required_edges(self, place: int) -> Iterator[int]:
        """Targets of the steps out of `place` that are no optional fault."""
        return (target for kind, target in self.edges(place) if not self._optional[kind])

    # --- queries ------------------------------------------------------------------------------

    def can_finish(self) -> bytearray:
        """For a complete graph: 1 where a goal is reachable through steps that must happen.

        One backward breadth-first pass from every goal over the reversed
        required edges (a crash or a flaky failure is never a way out).
        """
        assert self.complete, "goal reachability needs every state's successors"
        count = len(self.order)
        incoming = array("q", bytes(8 * (count + 1)))
        for place in range(count):
            for target in self.required_edges(place):
                incoming[target + 1] += 1
        for place in range(count):
            incoming[place + 1] += incoming[place]
        sources = array("q", bytes(8 * incoming[count]))
        filled = array("q", incoming[:count])
        for place in range(count):
            for target in self.required_edges(place):
                sources[filled[target]] = place
                filled[target] += 1
        finishes = bytearray(count)
        queue = deque(place for place in range(count) if is_goal(self.fb, self.state(place)))
        for place in queue:
            finishes[place] = 1
        while queue:
            place = queue.popleft()
            for edge in range(incoming[place], incoming[place + 1]):
                source = sources[edge]
                if not finishes[source]:
                    finishes[source] = 1
                    queue.append(source)
        return finishes

    def dead_ends(self) -> list[int]:
        """Expanded non-goal states with no required step: stuck, or FAILED with nothing left to finish."""
        return [place for place in range(self.expanded)
                if not any(True for _ in self.required_edges(place)) and not is_goal(self.fb, self.state(place))]

    def first(self, wanted: Callable[[FaultState], bool]) -> int | None:
        """The nearest state (fewest unit steps from the start) where `wanted` holds."""
        return next((place for place in range(len(self.order)) if wanted(self.state(place))), None)

    def steps_to(self, place: int) -> list[tuple[int, int]]:
        """The breadth-first (shortest) path from the start to `place`, as (transition, place) steps."""
        steps: list[tuple[int, int]] = []
        while self.parent[place] >= 0:
            steps.append((self.parent_kind[place], place))
            place = self.parent[place]
        steps.reverse()
        return steps

    def lowest_healthy_trace(self) -> Counterexample:
        """A shortest trace from the start to a state with the lowest healthy count found."""
        place = self.first(lambda state: state.healthy == self.lowest_healthy)
        assert place is not None  # the lowest is some found state's
        return self.trace_to(place)

    def trace_to(self, place: int) -> Counterexample:
        return self.trace_of(0, self.steps_to(place))

    def path_between(self, source: int, wanted: Callable[[int], bool]) -> list[tuple[int, int]] | None:
        """The fewest required steps from `source` to a place where `wanted` holds (at least one step
        when `source` itself is wanted only as a cycle's end: see `lasso`); None if none is reachable."""
        parent: dict[int, tuple[int, int]] = {}
        queue = deque([source])
        seen = {source}
        while queue:
            place = queue.popleft()
            for kind, target in self.edges(place):
                if self._optional[kind]:
                    continue
                if wanted(target):
                    return self._walk(parent, place, source) + [(kind, target)]
                if target not in seen:
                    seen.add(target)
                    parent[target] = (place, kind)
                    queue.append(target)
        return None

    @staticmethod
    def _walk(parent: dict[int, tuple[int, int]], place: int, source: int) -> list[tuple[int, int]]:
        steps = []
        while place != source:
            previous, kind = parent[place]
            steps.append((kind, place))
            place = previous
        steps.reverse()
        return steps

    def lasso(self, source: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
        """From `source`, required steps to a state on a cycle of required steps, then that cycle.

        Where no dead end is reachable every state has a required step, so
        following them must come back to a state already met: that state is on
        a cycle. The path to it and the cycle are then each made shortest.
        """
        met: set[int] = set()
        place = source
        while place not in met:
            met.add(place)
            following = next(self.required_edges(place), None)
            if following is None:
                return None
            place = following
        to_cycle = [] if place == source else self.path_between(source, place.__eq__)
        cycle = self.path_between(place, place.__eq__)
        assert to_cycle is not None and cycle is not None  # both were just walked
        return to_cycle, cycle

    def trace_of(self, start: int, steps: list[tuple[int, int]], apart: int = -1) -> Counterexample:
        """A trace from `start` along (transition index, target place) steps, with runs of one
        scheduler action merged into one action of their summed amount, as in the count model;
        step `apart` is never merged into the one before it (where a cycle starts)."""
        states = [self.state(start)]
        actions: list[Action] = []
        for number, (kind, target) in enumerate(steps):
            transition = FAULT_TRANSITIONS[kind]
            following = self.state(target)
            if actions and transition.controllable and actions[-1].name == transition.name and number != apart:
                actions[-1] = Action(transition.name, actions[-1].amount + 1)
                states[-1] = following
            else:
                actions.append(Action(transition.name, 1))
                states.append(following)
        return Counterexample(tuple(State(*s[:4]) for s in states), tuple(actions), fault_states=tuple(states))


def explore_faults(fb: FaultBounds, max_states: int) -> FaultGraph:
    """Breadth-first search from the initial state, stopping once `max_states` states are known."""
    graph = FaultGraph(fb)
    index, kinds = graph.index, KIND
    while graph.expanded < len(graph.order):
        place = graph.expanded
        found = [(kinds[name], state, graph.pack(state)) for name, state, _ in fault_successors(fb, graph.state(place))]
        unseen = {key for _, _, key in found if key not in index}
        if len(graph.order) + len(unseen) > max_states:
            graph.complete = False
            break
        for kind, state, key in found:
            target = index.get(key)
            if target is None:
                target = graph._add(state, place, kind)
            graph.edge_targets.append(target)
            graph.edge_kinds.append(kind)
        graph.edge_start.append(len(graph.edge_targets))
        graph.expanded += 1
    return graph
