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

import z3

from .context import CheckContext
from .counterexample import Counterexample, replay
from .encoding import deadlock, initial, state_vars, step
from .findings import Finding, Status
from .invariants import holds
from .semantics import State, action_between, is_deadlock
from .solver import Incremental, Query, SolverUnknown, value

MAX_DEPTH = 8  # bounded search depth for counterexamples; deeper ones fall back to the ECS run


def invariant_is_inductive(ctx: CheckContext) -> bool:
    """Z3 checks both halves: the initial state satisfies it, and every step preserves it."""
    model = ctx.smt
    now, then = state_vars("now"), state_vars("next")
    starts = Query(ctx.timeout_ms).add(*model.facts, initial(model, now), z3.Not(holds(model, now))).check()
    preserved = Query(ctx.timeout_ms).add(*model.facts, holds(model, now), step(model, now, then),
                                          z3.Not(holds(model, then))).check()
    return not starts.sat and not preserved.sat


def shortest_violation(ctx: CheckContext, bad: Callable[[State], object]) -> Counterexample | None:
    """Bounded model checking, depth 0, 1, ...: the first depth with a path into `bad`.

    One incremental solver holds the unrolled steps; each depth only asks about its last state.
    """
    model = ctx.smt
    states = [state_vars("bmc0")]
    solver = Incremental(ctx.timeout_ms).add(*model.facts, initial(model, states[0]))
    for depth in range(MAX_DEPTH + 1):
        if depth:
            states.append(state_vars(f"bmc{depth}"))
            solver.add(step(model, states[-2], states[-1]))
        answer = solver.ask(bad(states[-1]))
        if answer.sat:
            path = [State(*(value(answer.model, term) for term in state)) for state in states]
            actions = tuple(action_between(a, b) for a, b in zip(path, path[1:]))
            return Counterexample(tuple(path), actions)
    return None


def check_invariant_smt(ctx: CheckContext, property_id: str, bad: Callable[[State], object],
                        describe_violation: Callable[[State], str], holds_message: str) -> Finding:
    """`bad` must work on plain and on Z3 integers alike (it is used for the proof and the replay)."""
    try:
        if not ctx.invariant_proved:
            return Finding(property_id, Status.UNKNOWN, "the invariant could not be proved inductive")
        x = state_vars("p")
        if not Query(ctx.timeout_ms).add(*ctx.smt.facts, holds(ctx.smt, x), bad(x)).check().sat:
            return Finding(property_id, Status.HOLDS, holds_message + " (proved: the inductive invariant implies it)")
        trace = shortest_violation(ctx, bad)
    except SolverUnknown as unknown:
        return Finding(property_id, Status.UNKNOWN, f"the solver gave no answer ({unknown})")
    if trace is None:
        return Finding(property_id, Status.UNKNOWN,
                       f"not implied by the invariant, and no violation within {MAX_DEPTH} steps")
    replay(ctx.bounds, trace, bad, property_id)
    return Finding(property_id, Status.VIOLATED, describe_violation(trace.states[-1]), trace)


def check_progress_smt(ctx: CheckContext, explain: Callable[[State], tuple[str, ...]],
                       describe: Callable[[State], str]) -> Finding:
    from .properties.progress import ID
    model = ctx.smt
    try:
        if not ctx.invariant_proved:
            return Finding(ID, Status.UNKNOWN, "the invariant could not be proved inductive")
        x = state_vars("d")
        if not Query(ctx.timeout_ms).add(*model.facts, holds(model, x), deadlock(model, x)).check().sat:
            return Finding(ID, Status.HOLDS, "no state satisfying the inductive invariant is a deadlock, and "
                           "every step lowers a bounded potential, so the deployment can always finish (proved)")
        trace = shortest_violation(ctx, lambda state: deadlock(model, state))
    except SolverUnknown as unknown:
        return Finding(ID, Status.UNKNOWN, f"the solver gave no answer ({unknown})")
    details: tuple[str, ...] = ()
    if trace is None and not ctx.ecs.completes:
        trace = ctx.ecs.trace  # a real run into the deadlock, though perhaps not the shortest
        trace = Counterexample(trace.states, trace.actions, trace.times)
        details = (f"no deadlock within {MAX_DEPTH} steps; this is ECS's own run into one",)
    if trace is None:
        return Finding(ID, Status.UNKNOWN, "the invariant admits a deadlock, but none was found within "
                       f"{MAX_DEPTH} steps and ECS's own run finishes")
    replay(ctx.bounds, trace, lambda state: is_deadlock(ctx.bounds, state), ID)
    end = trace.states[-1]
    where = "at the start" if len(trace.actions) == 0 else f"after {len(trace.actions)} steps"
    return Finding(ID, Status.VIOLATED, f"the deployment gets stuck {where}: deadlock with {describe(end)}",
                   trace, details + explain(end))
