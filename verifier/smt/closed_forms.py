"""Closed forms for the extreme values of the reachable states, one desired count at a time.

They are fast enough to evaluate for every desired count in a range of
thousands, and they are only ever used as candidates: a range verdict takes
the counts they flag, shows each with a replayed counterexample, and has Z3
prove (with the inductive invariant, over the symbolic desired count) that no
other count in the range fails. `suggest` hands the same formulas to Z3
Optimize with the percentages symbolic, so each is written once for plain
integers and Z3 terms alike. Tests compare them with the explicit engine on
every small model.

    lowest healthy   = min(D, L)              (one stop(D - L) reaches L)
    highest counted  = max(D, min(U, 2D, C))  (one launch from the start reaches it)
    highest occupied starts at D; only the start can exceed C
"""

from __future__ import annotations

import z3

from verifier.semantics import Bounds, Term


def _symbolic(*terms: Term) -> bool:
    return any(isinstance(t, z3.ExprRef) for t in terms)


def _min(*terms: Term | None) -> Term:
    present = [t for t in terms if t is not None]  # None is an absent (unlimited) capacity
    result = present[0]
    for term in present[1:]:
        result = z3.If(result <= term, result, term) if _symbolic(result, term) else min(result, term)
    return result


def _max(*terms: Term | None) -> Term:
    present = [t for t in terms if t is not None]
    result = present[0]
    for term in present[1:]:
        result = z3.If(result >= term, result, term) if _symbolic(result, term) else max(result, term)
    return result


def _any(*conditions: Term) -> Term:
    return z3.Or(*conditions) if _symbolic(*conditions) else any(conditions)


def _all(*conditions: Term) -> Term:
    return z3.And(*conditions) if _symbolic(*conditions) else all(conditions)


def lowest_healthy(bounds: Bounds) -> Term:
    return _min(bounds.desired, bounds.min_healthy)


def highest_counted(bounds: Bounds) -> Term:
    return _max(bounds.desired, _min(bounds.max_tasks, 2 * bounds.desired, bounds.capacity))


def capacity_exceeded(bounds: Bounds) -> Term:
    return bounds.capacity is not None and bounds.desired > bounds.capacity


def invariant_deadlock(bounds: Bounds) -> Term:
    """Whether some settled (old, new) satisfying the inductive invariant is a non-goal deadlock.

    With nothing pending or stopping, h = old + new is healthy, counted and
    occupied at once. The invariant allows min(D, L) <= h <= max(D, U), h <= max(D, C),
    0 <= old, new <= D. A deadlock needs stop(1) blocked (old = 0 or h <= L) and
    launch(1) blocked (new = D or h >= U or h >= C), and is not the goal (0, D).
    """
    d, low, high, cap = bounds.desired, bounds.min_healthy, bounds.max_tasks, bounds.capacity
    floor_h = _min(d, low)
    ceiling_h = _min(_max(d, high), None if cap is None else _max(d, cap), 2 * d)
    blocked_launch_from = _min(high, cap)  # h at which launch is blocked by U or C
    return _any(
        # old = 0: new = h < D, launch blocked by U or C.
        _max(floor_h, blocked_launch_from) <= _min(ceiling_h, d - 1),
        # old >= 1 and h <= L (stop blocked by the minimum), new = D (launch blocked by D).
        _all(d >= 1, d + 1 <= _min(ceiling_h, low)),
        # old >= 1 and h <= L, launch blocked by U or C.
        _max(floor_h, blocked_launch_from, 1) <= _min(ceiling_h, low),
    )
