"""The fault rules of a bad release as Z3 constraints, at one concrete desired count.

The guards are `fault_semantics`'s own, applied to Z3 integers. Where a guard
or an effect branches on the phase in Python, the encoding splits on the phase
(one disjunct per phase, with the phase a plain integer inside it), so nothing
here restates a guard. Two effects branch on a count and so are stated with
Z3's if-then-else: a failure that trips the breaker (`trip_effect`) and the
owed crash replacements an old launch pays off (`max(0, owed - k)`).

The inductive invariant of the reachable fault states, checked by Z3 (each
conjunct holds at the start and every unit step keeps it):

    every count >= 0; phase in {deploying, rolling back, failed}; launched <= min(1, D)
    crashes <= K; flaky_failed <= B; owed <= crashes
    old + new >= min(D, L) - crashes              (stops keep L; each crash costs one)
    pending + new + new_stopping <= D
    deploying or failed: old + stopping + old_pending + owed <= D, new_stopping = 0
    rolling back: old + old_pending <= D, stopping <= D, pending = 0
    failed: pending = 0
    counted <= max(D, U); occupied <= max(D, C)
    no breaker: failures = 0; breaker: failures <= T, and < T while deploying,
        and = T once the phase has left deploying if no alarm can end it
    a revision that is not broken: failures <= flaky_failed
    broken revision: new = new_stopping = 0
    rolling back (failed) only where a breaker or alarm rolls back (does not)
    launched = 0: deploying, nothing new pending, healthy, stopping or failed
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import z3

from verifier.fault_semantics import (
    DEPLOYING,
    F_FAIL,
    F_LAUNCH_OLD,
    FAILED,
    FAULT_TRANSITIONS,
    ROLLING_BACK,
    FaultBounds,
    FaultState,
    FaultTransition,
    counted,
    trip_effect,
)
from verifier.model.faults import FLAKY
from verifier.semantics import Term

PHASES = (DEPLOYING, ROLLING_BACK, FAILED)
_fresh = count()


def fault_vars(tag: str) -> FaultState:
    return FaultState(*(z3.Int(f"{name}_{tag}") for name in FaultState._fields))


def same(a: FaultState, b: FaultState) -> z3.BoolRef:
    return z3.And(*(x == y for x, y in zip(a, b, strict=True)))


def _choose(condition: z3.BoolRef, then: FaultState, otherwise: FaultState) -> FaultState:
    return FaultState(*(z3.If(condition, a, b) for a, b in zip(then, otherwise, strict=True)))


def effect(fb: FaultBounds, transition: FaultTransition, s: FaultState, amount: Term) -> FaultState:
    """`transition.effect` on Z3 terms, `s.phase` a plain integer.

    The two effects that branch on a count are written here with If: a failure
    batch of `amount` (a run of unit failures; `batch_guard` keeps it from
    passing the threshold) and an old launch paying off owed replacements.
    """
    if transition is F_FAIL:
        counting = fb.breaker is not None and s.phase == DEPLOYING
        moved = s._replace(pending=s.pending - amount, failures=s.failures + amount if counting else s.failures,
                           flaky_failed=s.flaky_failed + (amount if fb.faults.new_revision == FLAKY else 0))
        if not counting or fb.breaker is None or fb.threshold is None:
            return moved
        return _choose(moved.failures >= fb.threshold, trip_effect(fb, moved, fb.breaker.rollback), moved)
    if transition is F_LAUNCH_OLD:
        left = s.owed - amount
        return s._replace(old_pending=s.old_pending + amount, owed=z3.If(left >= 0, left, 0))
    return transition.effect(fb, s, amount)


def _never(guard: tuple[object, ...]) -> bool:
    """A guard some plain condition of which is already false (its effect may not even apply)."""
    return any(condition is False for condition in guard)


def _at(s: FaultState, phase: int) -> FaultState:
    return s._replace(phase=phase)


def _steps(fb: FaultBounds, transitions: tuple[FaultTransition, ...],
           s: FaultState) -> Iterator[tuple[FaultTransition, z3.BoolRef, FaultState]]:
    """(transition, its guard with amount 1 in one phase, the successor) for each transition and phase."""
    for transition in transitions:
        for phase in PHASES:
            here = _at(s, phase)
            guard = transition.guard(fb, here, 1)
            if not _never(guard):
                yield transition, z3.And(s.phase == phase, *guard), effect(fb, transition, here, 1)


def must_transitions(fb: FaultBounds) -> tuple[FaultTransition, ...]:
    """The steps `progress` may count on: scheduler actions and the events that must happen."""
    return tuple(t for t in FAULT_TRANSITIONS if not t.optional(fb))


def unit_step(fb: FaultBounds, s: FaultState, after: FaultState) -> z3.BoolRef:
    """One unit step of any transition, as `fault_successors` takes them."""
    return z3.Or(*(z3.And(guard, same(after, nxt)) for _, guard, nxt in _steps(fb, FAULT_TRANSITIONS, s)))


def batch_step(fb: FaultBounds, s: FaultState, after: FaultState) -> z3.BoolRef:
    """One step of any amount: a batch is a run of unit steps (guards are downward closed in the amount).

    Failures come in batches too, kept from running past the threshold (where the
    unit run trips and no further failure follows); crashes and alarms stay units.
    """
    options = []
    for transition in FAULT_TRANSITIONS:
        for phase in PHASES:
            here = _at(s, phase)
            amount: Term = z3.Int(f"{transition.name}_{next(_fresh)}") if transition.batched or \
                transition is F_FAIL else 1
            guard = list(transition.guard(fb, here, 1 if transition is F_FAIL else amount))
            if _never(tuple(guard)):
                continue
            if transition is F_FAIL:
                guard += [amount >= 1, amount <= s.pending]
                if fb.faults.new_revision == FLAKY:
                    guard.append(s.flaky_failed + amount <= fb.flaky_budget)
                if fb.breaker is not None and fb.threshold is not None and phase == DEPLOYING:
                    guard.append(s.failures + amount <= fb.threshold)
            options.append(z3.And(s.phase == phase, *guard, same(after, effect(fb, transition, here, amount))))
    return z3.Or(*options)


def must_step_enabled(fb: FaultBounds, s: FaultState) -> z3.BoolRef:
    return z3.Or(*(guard for _, guard, _ in _steps(fb, must_transitions(fb), s)))


def is_goal_term(fb: FaultBounds, s: FaultState) -> z3.BoolRef:
    """`fault_semantics.is_goal` on Z3 terms (completed, or rolled back)."""
    d = fb.bounds.desired
    rest = (s.stopping == 0, s.pending == 0, s.old_pending == 0, s.new_stopping == 0)
    completed = z3.And(s.phase == DEPLOYING, s.new == d, s.old == 0, *rest)
    rolled_back = z3.And(s.phase == ROLLING_BACK, s.old == d, s.new == 0, *rest)
    return z3.Or(completed, rolled_back)


def invariant(fb: FaultBounds, s: FaultState) -> z3.BoolRef:
    """The conjuncts of the module docstring, at this model's numbers."""
    b, faults = fb.bounds, fb.faults
    d, low = b.desired, min(b.desired, b.min_healthy)
    deploying, rolling, failed = s.phase == DEPLOYING, s.phase == ROLLING_BACK, s.phase == FAILED
    conjuncts = [
        *(term >= 0 for term in s), z3.Or(deploying, rolling, failed), s.launched <= min(1, d),
        s.crashes <= faults.old_task_crashes, s.flaky_failed <= fb.flaky_budget, s.owed <= s.crashes,
        s.old + s.new >= low - s.crashes,
        s.pending + s.new + s.new_stopping <= d,
        z3.Implies(z3.Not(rolling), z3.And(s.old + s.stopping + s.old_pending + s.owed <= d, s.new_stopping == 0)),
        z3.Implies(rolling, z3.And(s.old + s.old_pending <= d, s.stopping <= d, s.pending == 0)),
        z3.Implies(failed, s.pending == 0),
        counted(b, s) <= max(d, b.max_tasks),
        z3.Implies(s.launched == 0, z3.And(deploying, s.pending == 0, s.new == 0, s.failures == 0,
                                           s.flaky_failed == 0)),
    ]
    if b.capacity is not None:
        conjuncts.append(s.occupied <= max(d, b.capacity))
    if fb.breaker is None or fb.threshold is None:
        conjuncts.append(s.failures == 0)
    else:
        conjuncts += [s.failures <= fb.threshold, z3.Implies(deploying, s.failures <= fb.threshold - 1)]
        if not (fb.alarms is not None and faults.broken):   # only the breaker ends the deploying phase
            conjuncts.append(z3.Implies(z3.Not(deploying), s.failures == fb.threshold))
    if not faults.broken:
        conjuncts.append(s.failures <= s.flaky_failed)
    if faults.broken:
        conjuncts += [s.new == 0, s.new_stopping == 0]
    for phase in (ROLLING_BACK, FAILED):
        if not _can_enter(fb, rollback=phase == ROLLING_BACK):
            conjuncts.append(s.phase != phase)
    return z3.And(*conjuncts)


def _can_enter(fb: FaultBounds, rollback: bool) -> bool:
    """Whether the breaker or an alarm can fail the deployment with (or without) a rollback."""
    breaker = fb.breaker is not None and fb.breaker.rollback == rollback
    alarm = fb.alarms is not None and fb.faults.broken and fb.alarms.rollback == rollback
    return breaker or alarm


def potential(fb: FaultBounds, s: FaultState) -> z3.ArithRef:
    """What every step toward the goal lowers, within one phase.

    Forward (deploying, failed): 3 old + stopping - 2 pending - 3 new + 4 old_pending
    + 5 owed, minus 3 failures for a broken revision with a breaker (a failure then
    brings the trip nearer). Rolling back, the same with the revisions' roles
    swapped: 3 new + new_stopping + stopping - 3 old - 2 old_pending.
    """
    per_failure = 3 if fb.faults.broken and fb.breaker is not None else 0
    forward = (3 * s.old + s.stopping - 2 * s.pending - 3 * s.new + 4 * s.old_pending + 5 * s.owed
               - per_failure * s.failures)
    backward = 3 * s.new + s.new_stopping + s.stopping - 3 * s.old - 2 * s.old_pending
    return z3.If(s.phase == ROLLING_BACK, backward, forward)


def potential_floor(fb: FaultBounds) -> int:
    """A lower bound of `potential` over the invariant (Z3 checks it): -3D, less 3T for the failures."""
    threshold = fb.threshold if fb.threshold is not None else 0
    return -3 * fb.bounds.desired - 3 * threshold


def lowers(fb: FaultBounds, s: FaultState, after: FaultState) -> z3.BoolRef:
    """The rank falls: the phase leaves deploying (it never returns), or the potential falls within a phase."""
    return z3.Or(z3.And(s.phase == DEPLOYING, after.phase != DEPLOYING),
                 z3.And(after.phase == s.phase, potential(fb, after) < potential(fb, s)))


def some_must_step_lowers(fb: FaultBounds, s: FaultState) -> z3.BoolRef:
    return z3.Or(*(z3.And(guard, lowers(fb, s, nxt)) for _, guard, nxt in _steps(fb, must_transitions(fb), s)))
