"""A proof, at any scale, that no step plan finishes the deployment: an invariant of settled steps that the goal breaks.

Each candidate below is a set of settled states (old, new) that holds at the
start and that every step keeps (`semantics.settled_step` of a stop or a
launch of any amount); Z3 checks both, and that the goal (0, D) is outside it.
By hand, for a deployment with D > 0, L = ceil(D * min%), and M the least of U
and C (the most tasks a launch may leave running):

* `new <= M`: a launch never leaves more than M tasks, so never more than M new
  ones, and stops do not change `new`; the goal needs D new, so D > M blocks it.
* `old >= L - D`: a stop keeps L healthy, of which at most D are new; the goal
  has no old task, so L > D blocks it.
* `(old, new) = (D, 0)`: no step at all is allowed at the start.

With M >= D, L <= D and a step allowed at the start, some plan finishes (stop
down to L, launch up to M, repeat: every round replaces at least one task), so
these candidates decide every case; tests check that against a breadth-first
search over all plans.
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from verifier.semantics import LAUNCH, STOP, Deployment, State, Term, goal_state, initial_state, settled_step
from verifier.smt.solver import Query

# (how the certificate writes it, the set as a formula over one settled state)
_Candidate = tuple[str, Callable[[Term, Term], z3.BoolRef]]


def _candidates(deployment: Deployment) -> list[_Candidate]:
    b = deployment.bounds
    most = b.max_tasks if b.capacity is None else min(b.max_tasks, b.capacity)
    return [
        (f"new <= {most}", lambda old, new: new <= most),
        (f"old >= {b.min_healthy - b.desired}", lambda old, new: old >= b.min_healthy - b.desired),
        (f"(old, new) = ({b.desired}, 0)", lambda old, new: z3.And(old == b.desired, new == 0)),
    ]


def no_plan_invariant(deployment: Deployment, timeout_ms: int) -> str | None:
    """The text of an invariant of every plan that excludes the goal, or None if no candidate is one.

    Raises SolverUnknown when Z3 gives no answer.
    """
    bounds = deployment.bounds
    start, goal = initial_state(bounds), goal_state(bounds)
    old, new, amount = z3.Int("o"), z3.Int("n"), z3.Int("k")
    state = State(old, 0, 0, new)
    for text, candidate in _candidates(deployment):
        # Every settled state has 0 <= old, new <= D; the candidate is checked within that.
        def inside(o: Term, n: Term) -> z3.BoolRef:
            return z3.And(o >= 0, n >= 0, o <= bounds.desired, n <= bounds.desired, candidate(o, n))  # noqa: B023

        if not z3.is_true(z3.simplify(inside(start.old, start.new))) or \
                z3.is_true(z3.simplify(inside(goal.old, goal.new))):
            continue
        kept = True
        for transition in (STOP, LAUNCH):
            guard, after = settled_step(bounds, state, transition, amount)
            if Query(timeout_ms).add(inside(old, new), *guard, z3.Not(inside(after.old, after.new))).check().sat:
                kept = False
                break
        if kept:
            return text
    return None
