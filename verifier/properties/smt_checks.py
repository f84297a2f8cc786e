"""Property checks with the smt engine: proof by the inductive invariant, or a replayed bounded counterexample."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from verifier.counterexample import Counterexample, step_count
from verifier.findings import Finding
from verifier.properties.context import CheckContext
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.semantics import State, is_deadlock
from verifier.smt.encoding import deadlock, state_vars
from verifier.smt.invariants import holds
from verifier.smt.proofs import MAX_DEPTH, shorter_than, shortest_violation
from verifier.smt.solver import Query, SolverUnknown


def check_invariant_smt(ctx: CheckContext, property_id: PropertyId, bad: Callable[[State], object],
                        describe_violation: Callable[[State], str], holds_message: str) -> Finding:
    """`bad` must work on plain and on Z3 integers alike (it is used for the proof and the replay)."""
    try:
        if not ctx.invariant_proved:
            return Finding(property_id, Status.UNKNOWN, "the invariant could not be proved inductive")
        x = state_vars("p")
        model = ctx.symbolic
        if not Query(ctx.timeout_ms).add(*model.facts, holds(model, x), bad(x)).check().sat:
            return Finding(property_id, Status.HOLDS, holds_message + " (proved: the inductive invariant implies it)")
        trace = shortest_violation(model, ctx.timeout_ms, bad)
    except SolverUnknown as unknown:
        return Finding(property_id, Status.UNKNOWN, f"the solver gave no answer ({unknown})")
    if trace is None:
        return Finding(property_id, Status.UNKNOWN,
                       f"not implied by the invariant, and no violation within {MAX_DEPTH} steps")
    # On plain integers `bad` answers a bool; its wider type is for the Z3 terms of the proof.
    replay(ctx.bounds, trace, cast(Callable[[State], bool], bad), property_id)
    return Finding(property_id, Status.VIOLATED, describe_violation(trace.states[-1]), trace)


def check_progress_smt(ctx: CheckContext, ID: PropertyId, explain: Callable[[State], tuple[str, ...]],
                       describe: Callable[[State], str]) -> Finding:
    try:
        if not ctx.invariant_proved:
            return Finding(ID, Status.UNKNOWN, "the invariant could not be proved inductive")
        model = ctx.symbolic
        x = state_vars("d")
        if not Query(ctx.timeout_ms).add(*model.facts, holds(model, x), deadlock(model, x)).check().sat:
            return Finding(ID, Status.HOLDS, "no state satisfying the inductive invariant is a deadlock, and "
                           "every step lowers a bounded potential, so the deployment can always finish (proved)")
        trace = shortest_violation(model, ctx.timeout_ms, lambda state: deadlock(model, state))
    except SolverUnknown as unknown:
        return Finding(ID, Status.UNKNOWN, f"the solver gave no answer ({unknown})")
    details: tuple[str, ...] = ()
    if trace is None and not ctx.ecs.completes and not ctx.ecs.exhausted:
        # A real run into the deadlock, perhaps not the shortest: look for a shorter one below
        # its length. Its repeated periods stay with it, since replay confirms each with Z3.
        run = ctx.ecs.trace
        known = step_count(run)
        trace, searched = shorter_than(ctx.symbolic, ctx.timeout_ms, lambda state: deadlock(ctx.symbolic, state),
                                       known)
        if trace is None:
            trace = Counterexample(run.states, run.actions, run.times, repeats=run.repeats)
            details = (f"this is ECS's own run into a deadlock, {known:,} steps; none shorter exists (no deadlock "
                       f"within {searched} steps)" if searched >= known - 1 else
                       f"this is ECS's own run into a deadlock, {known:,} steps, perhaps not the shortest: the "
                       f"search for one stopped at {searched} steps",)
    if trace is None:
        return Finding(ID, Status.UNKNOWN, "the invariant admits a deadlock, but none was found within "
                       f"{MAX_DEPTH} steps and ECS's own run finishes")
    replay(ctx.bounds, trace, lambda state: is_deadlock(ctx.bounds, state), ID, ctx.timeout_ms)
    end = trace.states[-1]
    steps = step_count(trace)
    where = "at the start" if steps == 0 else f"after {steps:,} step{'s' * (steps != 1)}"
    return Finding(ID, Status.VIOLATED, f"the deployment gets stuck {where}: deadlock with {describe(end)}",
                   trace, details + explain(end))
