"""The ECS rolling-update semantics (docs/semantics.md: Bounds, State, Actions and events), defined once.

Guards return their conditions as a tuple of comparisons rather than one bool,
so the same functions can be applied to plain integers (the explorer, the
simulators, replay) and to symbolic integers (a solver encoding). Every guard
is downward closed in its amount: if `stop(j)` is enabled then so is `stop(i)`
for 1 <= i <= j, and likewise for the other actions. The explorer and the
largest-amount search below rely on that, and tests check it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

from verifier.model.records import Settings
from verifier.rounding import ceil_percent, floor_percent

# A count that is an int for the explorer, the simulators and replay, and a Z3
# integer term inside a solver encoding. Z3 ships no type information, so to the
# type checker a term is Any; the alias says where either may stand. State and
# Bounds keep `int` fields: Z3 terms support the same `+`, `-` and comparisons,
# and the plain-integer callers, by far the most, keep precise types.
Term: TypeAlias = Any
# A guard's conditions: bools on integers, Z3 formulas on terms (see the module docstring).
Conditions: TypeAlias = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Bounds:
    """The integers every check compares against, computed exactly (docs/semantics.md#bounds)."""

    desired: int
    min_healthy: int          # L = ceil(D * minimumHealthyPercent / 100)
    max_tasks: int            # U = floor(D * maximumPercent / 100)
    capacity: int | None      # C task slots, None for unlimited
    min_healthy_percent: int
    max_percent: int
    stopping_counts_toward_max: bool = False


def bounds_of(settings: Settings) -> Bounds:
    return Bounds(
        desired=settings.desired,
        min_healthy=ceil_percent(settings.desired, settings.min_healthy_percent),
        max_tasks=floor_percent(settings.desired, settings.max_percent),
        capacity=settings.capacity,
        min_healthy_percent=settings.min_healthy_percent,
        max_percent=settings.max_percent,
        stopping_counts_toward_max=settings.stopping_counts_toward_max,
    )


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deployment as the schedules see it: its bounds and how long each kind of step waits."""

    bounds: Bounds
    health_check_seconds: int   # a launched task becomes healthy this long after its launch
    drain_seconds: int          # a stopped task is gone this long after its stop

    def step_seconds(self, action: str) -> int:
        """How long a step of a step plan waits after `action` ("launch" or "stop")."""
        return self.health_check_seconds if action == "launch" else self.drain_seconds


def deployment_of(settings: Settings) -> Deployment:
    return Deployment(bounds_of(settings), settings.health_check_seconds, settings.drain_seconds)


class State(NamedTuple):
    """Counts of tasks by state; tasks of one revision are interchangeable (docs/semantics.md#state).

    A NamedTuple rather than a dataclass: it is the node type of graphs with a
    million nodes, where tuple hashing and memory matter.
    """

    old: int       # old revision, running and healthy
    stopping: int  # old revision, draining then stopping
    pending: int   # new revision, launched, not yet healthy
    new: int       # new revision, running and healthy

    @property
    def healthy(self) -> int:
        return self.old + self.new

    @property
    def occupied(self) -> int:
        return self.old + self.stopping + self.pending + self.new

    def pair(self) -> tuple[int, int]:
        return (self.old, self.new)


def initial_state(bounds: Bounds) -> State:
    return State(bounds.desired, 0, 0, 0)


def goal_state(bounds: Bounds) -> State:
    return State(0, 0, 0, bounds.desired)


def counted(bounds: Bounds, state: State) -> Term:
    """Tasks that count toward maximumPercent (stopping ones only under the knob)."""
    total = state.old + state.pending + state.new
    return total + state.stopping if bounds.stopping_counts_toward_max else total


def _stop_guard(b: Bounds, s: State, j: Term) -> Conditions:
    return (j >= 1, j <= s.old, s.old - j + s.new >= b.min_healthy)


def _launch_guard(b: Bounds, s: State, k: Term) -> Conditions:
    conditions: Conditions = (k >= 1, s.pending + s.new + k <= b.desired, counted(b, s) + k <= b.max_tasks)
    if b.capacity is not None:
        conditions += (s.occupied + k <= b.capacity,)
    return conditions


def _ready_guard(b: Bounds, s: State, r: Term) -> Conditions:
    return (r >= 1, r <= s.pending)


def _gone_guard(b: Bounds, s: State, g: Term) -> Conditions:
    return (g >= 1, g <= s.stopping)


@dataclass(frozen=True, slots=True)
class Transition:
    """An action (controllable) or event (environment) with its guard and effect."""

    name: str
    controllable: bool
    guard: Callable[[Bounds, State, Term], Conditions]
    effect: Callable[[State, Term], State]

    def enabled(self, bounds: Bounds, state: State, amount: int = 1) -> bool:
        return all(self.guard(bounds, state, amount))

    def largest_amount(self, bounds: Bounds, state: State) -> int:
        """The largest enabled amount (0 if none), by binary search over the monotone guard."""
        if not self.enabled(bounds, state, 1):
            return 0
        low, high = 1, 2
        while self.enabled(bounds, state, high):
            low, high = high, high * 2
        while high - low > 1:  # invariant: enabled(low), not enabled(high)
            middle = (low + high) // 2
            if self.enabled(bounds, state, middle):
                low = middle
            else:
                high = middle
        return low


STOP = Transition("stop", True, _stop_guard,
                  lambda s, j: State(s.old - j, s.stopping + j, s.pending, s.new))
LAUNCH = Transition("launch", True, _launch_guard,
                    lambda s, k: State(s.old, s.stopping, s.pending + k, s.new))
READY = Transition("ready", False, _ready_guard,
                   lambda s, r: State(s.old, s.stopping, s.pending - r, s.new + r))
GONE = Transition("gone", False, _gone_guard,
                  lambda s, g: State(s.old, s.stopping - g, s.pending, s.new))

TRANSITIONS: tuple[Transition, ...] = (STOP, LAUNCH, READY, GONE)
BY_NAME = {t.name: t for t in TRANSITIONS}


@dataclass(frozen=True, slots=True)
class Action:
    """One labelled edge: a transition taken with an amount."""

    name: str
    amount: int = 1

    def __str__(self) -> str:
        # Names of the fault rules (docs/semantics.md#faults) are not in BY_NAME; they show like events.
        transition = BY_NAME.get(self.name)
        if (transition is None or not transition.controllable) and self.amount == 1:
            return self.name
        return f"{self.name}({self.amount})"

    def apply(self, bounds: Bounds, state: State) -> State | None:
        """The successor state, or None when the action is not enabled in `state`."""
        transition = BY_NAME.get(self.name)
        if transition is None:
            return None
        if not transition.enabled(bounds, state, self.amount):
            return None
        return transition.effect(state, self.amount)


@dataclass(frozen=True, slots=True)
class RepeatStep:
    """A trace step that is no transition: a verified period repeated `periods` more times.

    Long runs at scale jump over identical periods (see smt/periodic.py); replay
    confirms such a step with Z3 for every repetition instead of applying it.
    """

    periods: int

    def __str__(self) -> str:
        return f"repeat x{self.periods:,}"


# The events that finish a step of a step plan: wait until the launched tasks are
# healthy, or until the stopped ones are gone.
SETTLED_BY = {STOP.name: GONE, LAUNCH.name: READY}


def step_actions(action: str, amount: int) -> tuple[Action, Action]:
    """One step of a step plan in the interleaving semantics: its action, then its events.

    See docs/semantics.md#step-plan.
    """
    return Action(action, amount), Action(SETTLED_BY[action].name, amount)


def settled_step(bounds: Bounds, state: State, transition: Transition, amount: Term) -> tuple[Conditions, State]:
    """One step from a settled state: its guard, and the settled state it ends in.

    The guard is the action's own, checked where the step starts; the events
    that follow only turn pending into new or remove stopping tasks, which never
    breaks a guard that held. Works on integers and Z3 terms alike.
    """
    moved = transition.effect(state, amount)
    return transition.guard(bounds, state, amount), SETTLED_BY[transition.name].effect(moved, amount)


def action_between(before: State, after: State) -> Action:
    """The one action that moves `before` to `after`.

    Each transition changes a different pattern of counts (stop: old down and
    stopping up; launch: pending up; ready: pending down and new up; gone:
    stopping down), so an edge's endpoints determine its label. Graphs store
    no label per edge for that reason: it would cost a dict per edge.
    """
    if after.old < before.old:
        return Action("stop", before.old - after.old)
    if after.new > before.new:
        return Action("ready", after.new - before.new)
    if after.pending > before.pending:
        return Action("launch", after.pending - before.pending)
    if after.stopping < before.stopping:
        return Action("gone", before.stopping - after.stopping)
    raise ValueError(f"no action moves {tuple(before)} to {tuple(after)}")


def is_deadlock(bounds: Bounds, state: State) -> bool:
    """A non-goal state in which no action and no event is enabled."""
    return state != goal_state(bounds) and not any(t.enabled(bounds, state) for t in TRANSITIONS)


def refusal_reasons(bounds: Bounds, state: State, action: Action) -> list[str]:
    """Why `action` is not enabled in `state`, one plain sentence per failed condition."""
    amount = action.amount
    tasks = "one more" if amount == 1 else str(amount)
    reasons = []
    if action.name == "stop":
        if amount > state.old:
            reasons.append(f"stopping {tasks} old task{'s' * (amount != 1)} is impossible: "
                           f"{state.old} old task{'s' * (state.old != 1)} left")
        elif state.healthy - amount < bounds.min_healthy:
            reasons.append(
                f"stopping {tasks} old task{'s' * (amount != 1)} would leave {state.healthy - amount} healthy, "
                f"below the {bounds.min_healthy} that minimumHealthyPercent {bounds.min_healthy_percent} requires")
    elif action.name == "launch":
        starting = "starting one" if amount == 1 else f"starting {amount}"
        if state.pending + state.new + amount > bounds.desired:
            reasons.append(f"{starting} would make {state.pending + state.new + amount} new tasks, "
                           f"more than desiredCount {bounds.desired}")
        if counted(bounds, state) + amount > bounds.max_tasks:
            reasons.append(
                f"{starting} would make {counted(bounds, state) + amount} tasks, above the "
                f"{bounds.max_tasks} that maximumPercent {bounds.max_percent} allows")
        if bounds.capacity is not None and state.occupied + amount > bounds.capacity:
            reasons.append(
                f"{starting} would need {state.occupied + amount} task slots, above the "
                f"{bounds.capacity} the cluster has")
    elif action.name == "ready" and amount > state.pending:
        reasons.append(f"only {state.pending} task{'s' * (state.pending != 1)} pending")
    elif action.name == "gone" and amount > state.stopping:
        reasons.append(f"only {state.stopping} task{'s' * (state.stopping != 1)} stopping")
    return reasons


def blocked_reasons(bounds: Bounds, state: State) -> list[str]:
    """Why nothing moves in `state`: one sentence per blocked scheduler action, with its numbers."""
    reasons = []
    if state.old == 0:
        reasons.append("there is no old task left to stop")
    else:
        reasons += refusal_reasons(bounds, state, Action("stop", 1))
    if state.pending + state.new >= bounds.desired:
        reasons.append(f"all {bounds.desired} new tasks have already been started")
    else:
        reasons += refusal_reasons(bounds, state, Action("launch", 1))
    if state.pending == 0 and state.stopping == 0:
        reasons.append("no task is pending or stopping, so no event will change this")
    return reasons
