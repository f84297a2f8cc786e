"""How many states an explicit search can meet, counted before searching (docs/semantics.md#interleaving-graph).

Every reachable state satisfies five facts that hold at the start and that no
transition breaks:

* o + s <= D (old tasks only stop, stopping ones only go) and p + n <= D (launch's guard);
* o + n >= min(L, D): only a stop lowers the healthy count, and its guard keeps it at L;
* the tasks counted toward maximumPercent stay <= max(U, D): only a launch raises them,
  to U at most (a stop moves a task between two counts or out of them);
* the occupied slots stay <= max(C, D): only a launch raises them, to C at most.

`reachable_bound` counts the integer points that satisfy all five. That is an
upper bound on the reachable states, and a cheap one: for each (o, n) the
(s, p) that fit form a rectangle cut by one diagonal, counted in closed form,
and the count stops as soon as it passes the caller's limit. Tests compare it
with a brute-force search; on the models they cover it is exact.
"""

from __future__ import annotations

from verifier.semantics import Bounds


def reachable_bound(bounds: Bounds, limit: int) -> int:
    """The points of the invariant above, or some count past `limit` once it is known to exceed it.

    Each (o, n) visited has at least the point s = p = 0, so the loop runs at
    most `limit` + 1 times before it stops.
    """
    desired, knob = bounds.desired, bounds.stopping_counts_toward_max
    lowest = min(bounds.min_healthy, desired)
    counted = max(bounds.max_tasks, desired)
    occupied = max(bounds.capacity, desired) if bounds.capacity is not None else 2 * desired
    total = 0
    for old in range(desired + 1):
        last_new = min(desired, counted - old, occupied - old)
        for new in range(max(0, lowest - old), last_new + 1):
            room = occupied - old - new               # for s + p
            pending = desired - new                  # p alone
            if knob:
                room = min(room, counted - old - new)
            else:
                pending = min(pending, counted - old - new)
            total += _rectangle_under_diagonal(desired - old, pending, room)
            if total > limit:
                return total
    return total


def _rectangle_under_diagonal(width: int, height: int, diagonal: int) -> int:
    """Integer points (s, p) with 0 <= s <= width, 0 <= p <= height and s + p <= diagonal."""
    if width < 0 or height < 0 or diagonal < 0:
        return 0
    last = min(width, diagonal)
    full = max(0, min(last, diagonal - height) + 1)      # columns s where all height + 1 points fit
    total = full * (height + 1)
    # The remaining columns s = full .. last hold diagonal - s + 1 points each.
    if last >= full:
        columns = last - full + 1
        total += columns * (diagonal + 1) - (full + last) * columns // 2
    return total
