"""Explicit-state exploration of the interleaving graph (docs/semantics.md#interleaving-graph).

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

Storage: a state is one integer (`packing`), the states found are a one-byte
mark per possible key plus an array of keys in breadth-first order, and edges
are not stored at all: a state's successors are recomputed from its counts
when a query needs them (a few integer comparisons, cheaper than keeping
them). That is a few bytes per state where networkx dicts took about a
kilobyte, and leaves the garbage collector nothing to walk. The networkx graph
of the same states and edges is still there, built on first use of `graph`,
for tests and small models; the checks use the queries in `queries`.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Iterator, MutableSequence
from typing import TYPE_CHECKING

from verifier.defaults import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES
from verifier.explicit import memory
from verifier.explicit.packing import Packing
from verifier.semantics import TRANSITIONS, Bounds, State, initial_state

if TYPE_CHECKING:
    import networkx as nx

DENSE_MARKS = 1 << 28   # possible keys up to which the marks are a bytearray (256 MiB at most)

# Successor kinds, in the order of semantics.TRANSITIONS: the order every query expands them in.
STOP, LAUNCH, READY, GONE = 0, 1, 2, 3


class _SparseMarks(dict[int, int]):
    """Marks for spaces too large for a bytearray: absent keys read as 0."""

    def __missing__(self, key: int) -> int:
        return 0


Marks = bytearray | _SparseMarks


def new_marks(size: int) -> Marks:
    return bytearray(size) if size <= DENSE_MARKS else _SparseMarks()


class Exploration:
    """The states reached from the initial state, and whether the search finished.

    `order` holds every key found, breadth first; the first `expanded` of them
    had their successors generated (all of them when `complete`).
    """

    __slots__ = (
        "_extremes",
        "_frontier",
        "_graph",
        "batched",
        "bounds",
        "complete",
        "expanded",
        "initial",
        "marks",
        "order",
        "out_of_memory",
        "packing",
    )

    def __init__(self, bounds: Bounds, packing: Packing, order: MutableSequence[int], marks: Marks,
                 expanded: int, batched: bool, complete: bool, out_of_memory: bool = False,
                 expanded_extremes: tuple[int, int, int] | None = None) -> None:
        self.bounds, self.packing, self.order, self.marks = bounds, packing, order, marks
        self.expanded, self.batched, self.complete, self.out_of_memory = expanded, batched, complete, out_of_memory
        self.initial = initial_state(bounds)
        self._graph: nx.DiGraph | None = None
        self._frontier: frozenset[int] | None = None
        self._extremes = expanded_extremes if expanded_extremes is not None else self._fold(0, None)
        if self.expanded < len(order):
            self._extremes = self._fold(self.expanded, self._extremes)

    @property
    def states(self) -> int:
        return len(self.order)

    def __contains__(self, state: object) -> bool:
        return isinstance(state, State) and self.packing.holds(state) and bool(self.marks[self.packing.key(state)])

    def each_state(self) -> Iterator[State]:
        decode = self.packing.state
        for key in self.order:
            yield decode(key)

    @property
    def unexpanded(self) -> frozenset[State]:
        """States found whose successors were never generated (none when complete)."""
        return frozenset(self.packing.state(key) for key in self.unexpanded_keys)

    @property
    def unexpanded_keys(self) -> frozenset[int]:
        if self._frontier is None:
            self._frontier = frozenset(self.order[self.expanded:])
        return self._frontier

    def next_keys(self, key: int) -> list[tuple[int, int]]:
        """(kind, successor key) for every edge out of `key`, in the order of semantics.TRANSITIONS."""
        if not self.complete and key in self.unexpanded_keys:
            return []
        if self.batched:
            return batched_successors(self.bounds, self.packing, key)
        return unit_successors(self.bounds, self.packing, key)

    def successors_of(self, state: State) -> list[State]:
        return [self.packing.state(target) for _, target in self.next_keys(self.packing.key(state))]

    def extremes(self) -> tuple[int, int, int]:
        """The lowest healthy count, the highest occupied slots and the highest count toward
        maximumPercent among the states found (the search keeps them as it goes)."""
        return self._extremes

    def _fold(self, begin: int, known: tuple[int, int, int] | None) -> tuple[int, int, int]:
        """`extremes` over order[begin:], together with `known` ones."""
        side, firsts, seconds = self.packing.side, self.packing.firsts, self.packing.seconds
        knob = self.bounds.stopping_counts_toward_max
        lowest, occupied, counted = known if known is not None else (self.bounds.desired, 0, 0)
        for key in self.order[begin:]:
            first, second = divmod(key, side)
            old, stopping, pending, new = firsts[first], seconds[first], firsts[second], seconds[second]
            lowest = min(lowest, old + new)
            occupied = max(occupied, old + stopping + pending + new)
            counted = max(counted, old + pending + new + (stopping if knob else 0))
        return lowest, occupied, counted

    @property
    def graph(self) -> nx.DiGraph:
        """The same states and edges as a networkx DiGraph, built on first use (tests, small models).

        Nodes are added in breadth-first order and each node's edges in the
        order of semantics.TRANSITIONS, as the search found them.
        """
        if self._graph is None:
            import networkx as nx
            graph = nx.DiGraph()
            graph.add_node(self.initial)
            decode = self.packing.state
            collecting = gc.isenabled()
            gc.disable()
            try:
                for key in self.order[:self.expanded]:
                    state = decode(key)
                    graph.add_edges_from((state, decode(target)) for _, target in self.next_keys(key))
            finally:
                if collecting:
                    gc.enable()
            self._graph = graph
        return self._graph


def unit_successors(bounds: Bounds, packing: Packing, key: int) -> list[tuple[int, int]]:
    """The unit graph's edges out of `key`: the same arithmetic as `explore`'s loop."""
    side, offsets = packing.side, packing.offsets
    first, second = divmod(key, side)
    old, stopping = packing.firsts[first], packing.seconds[first]
    pending, new = packing.firsts[second], packing.seconds[second]
    found = []
    if old and old - 1 + new >= bounds.min_healthy:
        found.append((STOP, (offsets[old - 1] + stopping + 1) * side + second))
    counted = old + pending + new + (stopping if bounds.stopping_counts_toward_max else 0)
    if pending + new < bounds.desired and counted < bounds.max_tasks and (
            bounds.capacity is None or old + stopping + pending + new < bounds.capacity):
        found.append((LAUNCH, first * side + offsets[pending + 1] + new))
    if pending:
        found.append((READY, first * side + offsets[pending - 1] + new + 1))
    if stopping:
        found.append((GONE, key - side))
    return found


def batched_successors(bounds: Bounds, packing: Packing, key: int) -> list[tuple[int, int]]:
    """The batched graph's edges out of `key`, through the semantics' own guards and effects."""
    state = packing.state(key)
    found: list[tuple[int, int]] = []
    for kind, transition in enumerate(TRANSITIONS):
        if not transition.enabled(bounds, state, 1):
            continue
        largest = transition.largest_amount(bounds, state) if transition.controllable else 1
        found.extend((kind, packing.key(transition.effect(state, amount))) for amount in range(1, largest + 1))
    return found


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

    A state is expanded only if all its new successors fit the budget, so a
    cut-short search knows every edge out of each state it expanded.
    """
    packing = Packing(bounds.desired)
    side, offsets, firsts, seconds = packing.side, packing.offsets, packing.firsts, packing.seconds
    marks = new_marks(packing.size)
    order: MutableSequence[int] = array("I") if packing.size <= 1 << 32 else (
        array("Q") if packing.size <= 1 << 64 else [])
    start = packing.key(initial_state(bounds))
    order.append(start)
    marks[start] = 1
    desired, low, high = bounds.desired, bounds.min_healthy, bounds.max_tasks
    capacity = bounds.capacity if bounds.capacity is not None else 4 * desired + 1  # 4D+1: never binding
    knob = bounds.stopping_counts_toward_max
    head, complete, out_of_memory = 0, True, False
    lowest, occupied, counted = desired, 0, 0   # Exploration.extremes over the states expanded
    next_report, next_look = 65536, memory.CHECK_EVERY
    push = order.append
    collecting = gc.isenabled()
    gc.disable()   # nothing below forms a cycle; the collector's passes would only cost time
    try:
        while head < len(order):
            key = order[head]
            if batched:
                found = [target for _, target in batched_successors(bounds, packing, key) if not marks[target]]
            else:
                # unit_successors, inlined: this loop is the engine's hot path.
                first, second = divmod(key, side)
                old, stopping, pending, new = firsts[first], seconds[first], firsts[second], seconds[second]
                found = []
                if old + new < lowest:
                    lowest = old + new
                if old + stopping + pending + new > occupied:
                    occupied = old + stopping + pending + new
                if old + pending + new + (stopping if knob else 0) > counted:
                    counted = old + pending + new + (stopping if knob else 0)
                if old and old - 1 + new >= low:
                    target = (offsets[old - 1] + stopping + 1) * side + second
                    if not marks[target]:
                        found.append(target)
                if pending + new < desired and old + pending + new + (stopping if knob else 0) < high \
                        and old + stopping + pending + new < capacity:
                    target = key + offsets[pending + 1] - offsets[pending]
                    if not marks[target]:
                        found.append(target)
                if pending:
                    target = key + offsets[pending - 1] - offsets[pending] + 1
                    if not marks[target]:
                        found.append(target)
                if stopping and not marks[key - side]:
                    found.append(key - side)
            if found and len(order) + len(set(found)) > max_states:
                complete = False
                break
            for target in found:
                if not marks[target]:
                    marks[target] = 1
                    push(target)
            head += 1
            if progress is not None and len(order) >= next_report:
                progress(len(order))
                next_report *= 2
            if len(order) >= next_look:
                next_look += memory.CHECK_EVERY
                if memory.over(max_memory_mb):
                    complete, out_of_memory = False, True
                    break
    except MemoryError:
        # Stop with what is known: each state found is reachable, so a violation among them is real.
        complete, out_of_memory = False, True
    finally:
        if collecting:
            gc.enable()
    return Exploration(bounds, packing, order, marks, head, batched, complete, out_of_memory,
                       None if batched else (lowest, occupied, counted))
