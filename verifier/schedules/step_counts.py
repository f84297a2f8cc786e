"""The fewest steps and least sequential time of any step plan, in closed form, at any desired count.

A step plan moves between settled states (old, new) (docs/semantics.md#step-plan).
With M = min(U, C) (U when capacity is unlimited), a stop ends at old' with
old' + new >= L, and a launch at new' with new' <= D and old + new' <= M.

Exactness (why two plans decide every count):

* Two stops in a row are one stop of their sum (its guard is on where it ends),
  likewise two launches, and one step takes as long as either of the two. So
  some fewest-step plan, and some fastest plan, alternate stops and launches.
* A state with fewer old and more new tasks is no worse: from it, any step
  another state can take is matched by the same step (its guard only gets
  easier) or by none (it is already there). So among the plans that alternate
  and start with the same kind of step, the one that moves as far as allowed
  at every step ("greedy": old' = max(0, L - new), new' = min(D, M - old))
  reaches the goal first, after a prefix of the same alternation: fewest steps
  and least time alike. Only the first step's kind is a choice.

Counting the greedy plans, with delta = M - L (each round of a stop and a
launch adds delta new tasks) and eps = M - D (the first launch's room):

* stop first (needs L < D): stops p + 1 and launches q, p = ceil(L / delta),
  q = ceil(D / delta);
* launch first (needs M > D): launches q' and stops p',
  p' = max(1, 1 + ceil((L - eps) / delta)), q' = max(1, 1 + ceil((D - eps) / delta));
* no plan at all where L > D, D > M, or L = D = M (the invariants of
  `no_plan`), and none needed where D = 0.

q is p or p + 1 (since (p + 1) * delta >= L + delta = M >= D), and q' is p'
or p' + 1, so "more than T steps" is one linear comparison per plan
(`over_limit`): that is what lets a range be cut into pieces and Z3 prove it
over the symbolic desired count. tests/test_steps_range.py checks all of this
against the search over every step plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from verifier.semantics import Bounds, Deployment, Term


@dataclass(frozen=True, slots=True)
class FewestSteps:
    steps: int | None          # fewest steps of any plan; None where no plan finishes
    seconds: int | None        # least sequential seconds of any plan
    stop_first: bool | None    # whether the fewest-step plan starts with a stop
    stops: int = 0             # of that plan
    launches: int = 0


def most_running(bounds: Bounds) -> Term:
    """M: the most old plus new tasks a launch may leave (maximumPercent, and capacity where finite)."""
    high: Term = bounds.max_tasks     # an int, or a Z3 term where the desired count is symbolic
    capacity: Term = bounds.capacity
    if capacity is None:
        return high
    if isinstance(high, int) and isinstance(capacity, int):
        return min(high, capacity)
    return z3.If(high <= capacity, high, capacity)


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def plan_counts(bounds: Bounds) -> list[tuple[bool, int, int]]:
    """(starts with a stop, stops, launches) of each greedy plan that finishes; [] where none does."""
    d, low, most = bounds.desired, bounds.min_healthy, most_running(bounds)
    if d == 0:
        return [(True, 0, 0)]
    if low > d or d > most or most <= low:
        return []
    delta, eps = most - low, most - d
    plans = []
    if low < d:
        plans.append((True, _ceil(low, delta) + 1, _ceil(d, delta)))
    if most > d:
        plans.append((False, max(1, 1 + _ceil(low - eps, delta)), max(1, 1 + _ceil(d - eps, delta))))
    return plans


def fewest_steps(deployment: Deployment) -> FewestSteps:
    """The exact fewest steps and least sequential seconds of any step plan (see the module docstring)."""
    plans = plan_counts(deployment.bounds)
    if not plans:
        return FewestSteps(None, None, None)
    health, drain = deployment.health_check_seconds, deployment.drain_seconds
    seconds = min(stops * drain + launches * health for _, stops, launches in plans)
    first, stops, launches = min(plans, key=lambda p: (p[1] + p[2], p[1] * drain + p[2] * health))
    return FewestSteps(stops + launches, seconds, first, stops, launches)


def _and(*terms: Any) -> Any:
    return z3.And(*terms) if any(isinstance(t, z3.ExprRef) for t in terms) else all(terms)


def _or(*terms: Any) -> Any:
    return z3.Or(*terms) if any(isinstance(t, z3.ExprRef) for t in terms) else any(terms)


def over_limit(bounds: Bounds, limit: int) -> Any:
    """Every step plan needs more than `limit` steps (or none finishes): a bool, or a Z3 formula
    where the bounds are terms in a symbolic desired count.

    From the counts above: stop first takes 2p + 1 steps (q = p) or 2p + 2, so
    more than 2s + 1 iff q > s iff D > s * delta, and more than 2s iff p >= s
    iff L > (s - 1) * delta. Launch first takes 2p' (q' = p') or 2p' + 1, so
    more than 2s iff q' > s iff D - eps > (s - 1) * delta, and more than
    2s + 1 iff p' > s iff L - eps > (s - 1) * delta (s >= 1 in the last three;
    with s = 0 every plan of a count above 0 has too many steps, as stop first
    has at least one stop and one launch, launch first at least one of each).
    """
    d, low, most = bounds.desired, bounds.min_healthy, most_running(bounds)
    delta, eps = most - low, most - d
    s, odd = divmod(limit, 2)
    if odd:
        stop_over: Any = d > s * delta
        launch_over: Any = True if s == 0 else low - eps > (s - 1) * delta
    else:
        stop_over = True if s == 0 else low > (s - 1) * delta
        launch_over = True if s == 0 else d - eps > (s - 1) * delta
    no_plan = _or(low > d, d > most, most <= low)
    over = _or(no_plan, _and(_or(low >= d, stop_over), _or(most <= d, launch_over)))
    return _and(d != 0, over) if limit >= 0 else True
