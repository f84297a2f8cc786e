"""Property checks with Z3: proofs by the inductive invariant, counterexamples by bounded search.

A safety property P is proved when the invariant of `invariants` is inductive
and implies P. Otherwise a bounded model check from the initial state looks
for the shortest violation (any stop(j), launch(k), and events in batches:
ready(r) is r ready events at one instant). Progress is proved when no state
satisfying the invariant is a deadlock: every transition lowers the potential
3*old + stopping - 2*(pending + new) - new, which is bounded below, so from any
reachable state some path must end, and it can only end in the goal.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import z3

from verifier.counterexample import Counterexample
from verifier.semantics import State, action_between
from verifier.smt.encoding import SymbolicModel, initial, state_vars, step
from verifier.smt.invariants import holds
from verifier.smt.solver import Incremental, Query, SolverUnknown, value

MAX_DEPTH = 8  # bounded search depth for counterexamples; deeper ones fall back to the ECS run
# Past MAX_DEPTH, a search for a path shorter than one already known (ECS's own run into a
# deadlock) goes on when the known path is at most this long plus one, each query within
# DEEPENING_TIMEOUT_MS: it then proves the known path shortest, or finds the shortest. Longer
# known paths are reported as not proved shortest rather than searched for at a cost that grows
# with the depth.
MAX_DEEPENING = 16
DEEPENING_TIMEOUT_MS = 2_000


def invariant_is_inductive(model: SymbolicModel, timeout_ms: int) -> bool:
    """Z3 checks both halves: the initial state satisfies it, and every step preserves it."""
    now, then = state_vars("now"), state_vars("next")
    starts = Query(timeout_ms).add(*model.facts, initial(model, now), z3.Not(holds(model, now))).check()
    preserved = Query(timeout_ms).add(*model.facts, holds(model, now), step(model, now, then),
                                          z3.Not(holds(model, then))).check()
    return not starts.sat and not preserved.sat


def shortest_violation(model: SymbolicModel, timeout_ms: int,
                       bad: Callable[[State], object], max_depth: int = MAX_DEPTH) -> Counterexample | None:
    """Bounded model checking, depth 0, 1, ... `max_depth`: the first depth with a path into `bad`.

    One incremental solver holds the unrolled steps; each depth only asks about its last state.
    """
    states = [state_vars("bmc0")]
    solver = Incremental(timeout_ms).add(*model.facts, initial(model, states[0]))
    for depth in range(max_depth + 1):
        if depth:
            states.append(state_vars(f"bmc{depth}"))
            solver.add(step(model, states[-2], states[-1]))
        answer = solver.ask(bad(states[-1]))
        if answer.sat:
            path = [State(*(value(answer.model, term) for term in state)) for state in states]
            actions = tuple(action_between(a, b) for a, b in pairwise(path))
            return Counterexample(tuple(path), actions)
    return None


def shorter_than(model: SymbolicModel, timeout_ms: int, bad: Callable[[State], object],
                 known: int) -> tuple[Counterexample | None, int]:
    """A shortest path into `bad` of fewer than `known` steps, when `known` is short enough to search below.

    Returns the path (None if there is none) and the depth searched: when that depth is
    `known - 1`, no shorter path exists at all. A solver that gives up only shortens the
    search; it never makes the answer wrong.
    """
    depth = known - 1
    if depth <= MAX_DEPTH or depth > MAX_DEEPENING:
        return None, min(depth, MAX_DEPTH)   # searched already, or too deep to search
    try:
        return shortest_violation(model, min(timeout_ms, DEEPENING_TIMEOUT_MS), bad, depth), depth
    except SolverUnknown:
        return None, MAX_DEPTH
