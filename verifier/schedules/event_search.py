"""The least makespan of any timed schedule, searched with decisions only at event completions.

Why deciding at time 0 and at the instants where a task becomes ready or gone
loses nothing (an exchange argument). Take any schedule and its earliest
decision at a time t > 0 at which no event completes; let t' < t be the last
instant before it at which an event completes or a decision is taken (or 0).
Nothing happens in between, so the counts just before t are the counts just
after t': the same actions are enabled at t' (guards read counts only), in the
same order. Move them to t'. Each moved task then becomes ready, or is gone,
t - t' earlier, and nothing else changes. At every later instant the moved
schedule has the same old count and the same number of launched and stopped
tasks, and at least as many ready and gone ones. A `ready` or `gone` never
tightens a guard (healthy o + n can only grow; counted and occupied can only
shrink), so every later decision stays enabled, and every task finishes no
later: the makespan does not grow. Each move lowers the sum of the decision
times, and they only take values in a finite set (the original times and those
plus sums of at most 2D durations), so the moves end, with every decision at 0
or at an event completion.

The search: a state is the old and new counts plus the multiset of remaining
seconds of the stopping and of the pending tasks (relative to now, so states
met at different times are one). Within an instant the scheduler stops or
launches one task at a time at no cost (the order matters only when a duration
is 0); waiting costs the seconds until the next event completes. That is
searched as A* on elapsed seconds with a consistent lower bound (every unfinished
task must still finish), under a state budget: past it the answer is incomplete,
never a hang. Its cost depends on the number of distinct remaining-time
multisets, not on gcd(healthCheckSeconds, drainSeconds).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from verifier.semantics import LAUNCH, STOP, Action, Deployment, State

# (old, new, stopping tasks' remaining seconds, pending tasks' remaining seconds), sorted
EventState = tuple[int, int, tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class EventSearch:
    makespan_seconds: int | None     # None: no schedule finishes, or the search was incomplete
    decisions: tuple[tuple[int, tuple[Action, ...]], ...]   # (second, actions in order)
    complete: bool                   # False when the state budget stopped the search
    states: int


def _counts(state: EventState) -> State:
    old, new, stopping, pending = state
    return State(old, len(stopping), len(pending), new)


def _insert(times: tuple[int, ...], value: int) -> tuple[int, ...]:
    index = 0
    while index < len(times) and times[index] < value:
        index += 1
    return times[:index] + (value,) + times[index:]


def _moves(deployment: Deployment, state: EventState) -> list[tuple[EventState, str, int]]:
    """The states one step away: (state, "stop" | "launch" | "wait", seconds it costs)."""
    bounds = deployment.bounds
    old, new, stopping, pending = state
    plain = _counts(state)
    moves: list[tuple[EventState, str, int]] = []
    if STOP.enabled(bounds, plain):
        drain = deployment.drain_seconds
        draining = stopping if drain == 0 else _insert(stopping, drain)   # drain 0: gone at once
        following = (old - 1, new, draining, pending)
        moves.append((following, "stop", 0))
    if LAUNCH.enabled(bounds, plain):
        health = deployment.health_check_seconds
        following = (old, new + 1, stopping, pending) if health == 0 else (old, new, stopping, _insert(pending, health))
        moves.append((following, "launch", 0))
    if stopping or pending:
        wait = min(stopping[:1] + pending[:1])
        ready = sum(1 for left in pending if left == wait)
        moves.append(((old, new + ready, tuple(left - wait for left in stopping if left > wait),
                       tuple(left - wait for left in pending if left > wait)), "wait", wait))
    return moves


def seconds_still_needed(deployment: Deployment, state: EventState) -> int:
    """A lower bound on the seconds from `state` to the goal: every unfinished task must finish.

    Consistent: a stop or launch swaps an 'old left' or 'not launched' term for an
    equal remaining time, and a wait of w seconds lowers every term by at most w.
    """
    old, new, stopping, pending = state
    needed = max(stopping[-1:] + pending[-1:], default=0)
    if old:
        needed = max(needed, deployment.drain_seconds)
    if new + len(pending) < deployment.bounds.desired:
        needed = max(needed, deployment.health_check_seconds)
    return needed


def search(deployment: Deployment, max_states: int, upper_bound_seconds: int | None = None) -> EventSearch:
    """A* for the least makespan, within `max_states` distinct states (else incomplete).

    States that cannot finish within `upper_bound_seconds` (the makespan of a
    schedule known to exist) are not expanded; the answer stays exact.
    """
    desired = deployment.bounds.desired
    start: EventState = (desired, 0, (), ())
    goal: EventState = (0, desired, (), ())
    best = {start: 0}
    parent: dict[EventState, tuple[EventState, str]] = {}
    done: set[EventState] = set()
    order = itertools.count()
    # (lower bound on the makespan, seconds so far, tie-break, state)
    heap = [(seconds_still_needed(deployment, start), 0, next(order), start)]
    while heap:
        _bound, seconds, _tie, state = heapq.heappop(heap)
        if state in done or seconds > best[state]:
            continue
        done.add(state)
        if state == goal:
            return EventSearch(seconds, _decisions(parent, best, state), True, len(best))
        for following, label, cost in _moves(deployment, state):
            reached = seconds + cost
            estimate = reached + seconds_still_needed(deployment, following)
            if upper_bound_seconds is not None and estimate > upper_bound_seconds:
                continue
            known = best.get(following)
            if known is not None and known <= reached:
                continue
            if known is None and len(best) >= max_states:
                return EventSearch(None, (), False, len(best))
            best[following] = reached
            parent[following] = (state, label)
            heapq.heappush(heap, (estimate, reached, next(order), following))
    return EventSearch(None, (), True, len(best))


def _decisions(parent: dict[EventState, tuple[EventState, str]], best: dict[EventState, int],
               state: EventState) -> tuple[tuple[int, tuple[Action, ...]], ...]:
    steps = []
    while state in parent:
        state, label = parent[state]
        steps.append((best[state], label))
    steps.reverse()
    at: dict[int, list[Action]] = {}
    for second, label in steps:
        if label == "wait":
            continue
        actions = at.setdefault(second, [])
        if actions and actions[-1].name == label:
            actions[-1] = Action(label, actions[-1].amount + 1)
        else:
            actions.append(Action(label, 1))
    return tuple((second, tuple(actions)) for second, actions in sorted(at.items()))
