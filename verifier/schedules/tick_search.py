"""The least makespan of any timed schedule, searched tick by tick (kept as an independent check).

This search's cost grows with the number of ticks per duration, so it is not
used by `verify` (see optimal.py); tests compare it with the event search and
with ECS's run on small deployments. Decisions are taken at multiples of
g = gcd(health_check_seconds, drain_seconds), so every event completes on such an instant too.
A timed state is the number of old and new tasks plus, for stopping and pending tasks, how many have 1, 2, ...
ticks of g left. Within one instant the scheduler may stop and launch any
number of tasks, one at a time, at no cost; a tick costs g seconds and
completes the events that are due. That is a 0-1 weighted graph, searched
breadth-first with a deque. Events are applied before decisions at an instant:
ready and gone never tighten a guard, so deciding first could only lose.
"""

from __future__ import annotations

import math
from collections import deque

from verifier.defaults import DEFAULT_MAX_MEMORY_MB
from verifier.explicit import memory
from verifier.schedules.optimal import OptimalSchedule, TimedDecision
from verifier.semantics import LAUNCH, STOP, Action, Deployment, State

# Ticks a timed state may track: each state holds a tuple this long (a health check of
# 10^9 s with a drain of 7 s is 10^9 ticks of 1 s), so past it the search is not tried.
MAX_TICKS = 10_000

# (old, new, stopping by ticks left, pending by ticks left)
TimedState = tuple[int, int, tuple[int, ...], tuple[int, ...]]


def _interleaving(state: TimedState) -> State:
    old, new, stopping, pending = state
    return State(old, sum(stopping), sum(pending), new)


def _stop_one(state: TimedState, drain_ticks: int) -> TimedState:
    old, new, stopping, pending = state
    if drain_ticks == 0:  # deregistration delay 0: gone at once
        return (old - 1, new, stopping, pending)
    return (old - 1, new, stopping[:-1] + (stopping[-1] + 1,), pending)


def _launch_one(state: TimedState, health_ticks: int) -> TimedState:
    old, new, stopping, pending = state
    if health_ticks == 0:
        return (old, new + 1, stopping, pending)
    return (old, new, stopping, pending[:-1] + (pending[-1] + 1,))


def _tick(state: TimedState) -> TimedState:
    old, new, stopping, pending = state
    return (old, new + (pending[0] if pending else 0), stopping[1:] + (0,) if stopping else (),
            pending[1:] + (0,) if pending else ())


def _ticks_still_needed(state: TimedState, desired: int, health_ticks: int, drain_ticks: int) -> int:
    """A lower bound on the ticks from `state` to the goal: every unfinished task must finish."""
    old, new, stopping, pending = state
    needed = 0
    if old:
        needed = drain_ticks
    for left, count in enumerate(stopping, start=1):
        if count:
            needed = max(needed, left)
    for left, count in enumerate(pending, start=1):
        if count:
            needed = max(needed, left)
    if new + sum(pending) < desired:
        needed = max(needed, health_ticks)
    return needed


def tick_schedule(deployment: Deployment, max_states: int, upper_bound_seconds: int | None = None,
                     max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> OptimalSchedule:
    """Search for the least makespan, within `max_states` states and `max_memory_mb` (else incomplete).

    `upper_bound_seconds` is the makespan of a schedule known to exist (the ECS
    controller's run, or a step plan: both decide only at multiples of g, so
    they are among the schedules searched here). States that cannot finish within it even in the
    best case are not expanded: this is branch and bound, and keeps the answer exact.
    """
    tick = math.gcd(deployment.health_check_seconds, deployment.drain_seconds)
    health_ticks = deployment.health_check_seconds // tick if tick else 0
    drain_ticks = deployment.drain_seconds // tick if tick else 0
    if health_ticks + drain_ticks > MAX_TICKS:
        return OptimalSchedule(None, (), False, 0, tick, skipped=True)
    try:
        return _search(deployment, max_states, upper_bound_seconds, max_memory_mb, tick, health_ticks, drain_ticks)
    except MemoryError:
        return OptimalSchedule(None, (), False, 0, tick)


def _search(deployment: Deployment, max_states: int, upper_bound_seconds: int | None, max_memory_mb: int | None,
            tick: int, health_ticks: int, drain_ticks: int) -> OptimalSchedule:
    bounds = deployment.bounds
    start: TimedState = (bounds.desired, 0, (0,) * drain_ticks, (0,) * health_ticks)
    goal: TimedState = (0, bounds.desired, (0,) * drain_ticks, (0,) * health_ticks)
    limit = None if upper_bound_seconds is None or not tick else upper_bound_seconds // tick
    ticks_to = {start: 0}
    parent: dict[TimedState, tuple[TimedState, str]] = {}
    done: set[TimedState] = set()
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state in done:
            continue
        done.add(state)
        if state == goal:
            return OptimalSchedule(ticks_to[state] * tick, _decisions(parent, state, ticks_to, tick),
                                   True, len(ticks_to), tick)
        moves = []
        plain = _interleaving(state)
        # Launch before stop here, so that stop lands at the front of the deque and
        # schedules read as ECS acts: stop first, then launch.
        if LAUNCH.enabled(bounds, plain):
            moves.append((_launch_one(state, health_ticks), "launch", 0))
        if STOP.enabled(bounds, plain):
            moves.append((_stop_one(state, drain_ticks), "stop", 0))
        if plain.stopping or plain.pending:
            moves.append((_tick(state), "tick", 1))
        for following, label, cost in moves:
            ticks = ticks_to[state] + cost
            if limit is not None and ticks + _ticks_still_needed(
                    following, bounds.desired, health_ticks, drain_ticks) > limit:
                continue
            if following not in ticks_to or ticks < ticks_to[following]:
                if following not in ticks_to and (len(ticks_to) >= max_states or (
                        len(ticks_to) % memory.CHECK_EVERY == 0 and memory.over(max_memory_mb))):
                    return OptimalSchedule(None, (), False, len(ticks_to), tick)
                ticks_to[following] = ticks
                parent[following] = (state, label)
                if cost:
                    queue.append(following)
                else:
                    queue.appendleft(following)
    return OptimalSchedule(None, (), True, len(ticks_to), tick)


def _decisions(parent: dict[TimedState, tuple[TimedState, str]], state: TimedState, ticks_to: dict[TimedState, int],
               tick: int) -> tuple[TimedDecision, ...]:
    labels = []
    while state in parent:
        state, label = parent[state]
        labels.append((ticks_to[state], label))
    labels.reverse()
    decisions: dict[int, list[Action]] = {}
    for ticks, label in labels:
        if label == "tick":
            continue
        actions = decisions.setdefault(ticks * tick, [])
        if actions and actions[-1].name == label:
            actions[-1] = Action(label, actions[-1].amount + 1)
        else:
            actions.append(Action(label, 1))
    return tuple(TimedDecision(second, tuple(actions)) for second, actions in sorted(decisions.items()))
