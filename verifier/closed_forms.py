"""Closed forms for the extreme values of the reachable states, one desired count at a time.

They are fast enough to evaluate for every desired count in a range of
thousands, and they are only ever used as candidates: a range verdict takes
the counts they flag, shows each with a replayed counterexample, and has Z3
prove (with the inductive invariant, over the symbolic desired count) that no
other count in the range fails. Tests also compare them with the explicit
engine on every small model.

    lowest healthy   = min(D, L)              (one stop(D - L) reaches L)
    highest counted  = max(D, min(U, 2D, C))  (one launch from the start reaches it)
    highest occupied starts at D; only the start can exceed C
"""

from __future__ import annotations

from .semantics import Bounds

INFINITE = float("inf")


def lowest_healthy(bounds: Bounds) -> int:
    return min(bounds.desired, bounds.min_healthy)


def highest_counted(bounds: Bounds) -> int:
    capacity = INFINITE if bounds.capacity is None else bounds.capacity
    return int(max(bounds.desired, min(bounds.max_tasks, 2 * bounds.desired, capacity)))


def capacity_exceeded(bounds: Bounds) -> bool:
    return bounds.capacity is not None and bounds.desired > bounds.capacity


def invariant_deadlock(bounds: Bounds) -> bool:
    """Whether some settled (old, new) satisfying the inductive invariant is a non-goal deadlock.

    With nothing pending or stopping, h = old + new is healthy, counted and
    occupied at once. The invariant allows min(D, L) <= h <= max(D, U), h <= max(D, C),
    0 <= old, new <= D. A deadlock needs stop(1) blocked (old = 0 or h <= L) and
    launch(1) blocked (new = D or h >= U or h >= C), and is not the goal (0, D).
    """
    d, low, high = bounds.desired, bounds.min_healthy, bounds.max_tasks
    cap = INFINITE if bounds.capacity is None else bounds.capacity
    floor_h = min(d, low)
    ceiling_h = min(max(d, high), max(d, cap), 2 * d)
    blocked_launch_from = min(high, cap)  # h at which launch is blocked by U or C
    # old = 0: new = h < D, blocked by U or C.
    if max(floor_h, blocked_launch_from) <= min(ceiling_h, d - 1):
        return True
    # old >= 1 and h <= L (stop blocked by the minimum), new = D (launch blocked by D).
    if d >= 1 and d + 1 <= min(ceiling_h, low):
        return True
    # old >= 1 and h <= L, launch blocked by U or C.
    return max(floor_h, blocked_launch_from, 1) <= min(ceiling_h, low)
