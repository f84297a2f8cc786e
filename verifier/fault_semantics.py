"""The rolling update with a bad release: failing tasks, crashes, the circuit breaker, rollback, defined once.

docs/semantics.md#faults states these rules; this module is their one
definition, used by the explicit search, ECS's own run and replay. It extends
`verifier.semantics` rather than changing it: with a healthy revision and no
crashes a `FaultState` only ever has the four counts of a `State` (the others
stay 0), every extra transition is disabled, and the guards below reduce to
the ones there, so every existing result is unchanged.

Guards return tuples of comparisons, as in `verifier.semantics`, so they apply
to integers and to Z3 terms alike. Effects are written for integers; the one
effect with a branch (a failure that trips the breaker) is `trip_effect`,
which an encoding states with its own if-then-else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from verifier.model.faults import FLAKY, UNTIL_FIRST_HEALTHY, Alarms, Breaker, Faults
from verifier.model.records import Settings
from verifier.semantics import Bounds, Conditions, Term, bounds_of

# Phases of a deployment. A completed or rolled-back deployment is a goal state
# of DEPLOYING or ROLLING_BACK (see `is_goal`), not a phase of its own.
DEPLOYING = 0
ROLLING_BACK = 1
FAILED = 2        # stopped half way: the breaker or an alarm tripped without rollback
PHASE_NAMES = {DEPLOYING: "deploying", ROLLING_BACK: "rolling back", FAILED: "failed"}


@dataclass(frozen=True, slots=True)
class FaultBounds:
    """Everything the fault rules compare against: the rolling-update bounds plus the release's faults."""

    bounds: Bounds
    faults: Faults
    breaker: Breaker | None
    alarms: Alarms | None
    threshold: int | None   # the breaker's T at this desired count; None without a breaker

    @property
    def flaky_budget(self) -> int:
        return self.faults.flaky_failures if self.faults.new_revision == FLAKY else 0


def fault_bounds_of(settings: Settings, faults: Faults) -> FaultBounds:
    threshold = settings.breaker.threshold(settings.desired) if settings.breaker else None
    return FaultBounds(bounds_of(settings), faults, settings.breaker, settings.alarms, threshold)


class FaultState(NamedTuple):
    """The counts of `verifier.semantics.State`, plus what a bad release adds (all 0 for a good one)."""

    old: int           # old revision, running and healthy
    stopping: int      # old revision, draining
    pending: int       # new revision, launched, not yet healthy
    new: int           # new revision, running and healthy
    old_pending: int = 0   # old revision launched (a crash's replacement, or the rollback), not yet healthy
    new_stopping: int = 0  # new revision draining (the rollback replaces new tasks)
    failures: int = 0      # the breaker's counter; frozen once it trips; 0 without a breaker
    phase: int = DEPLOYING
    crashes: int = 0       # old tasks crashed so far
    flaky_failed: int = 0  # failures of a flaky revision so far (its budget bounds them)
    owed: int = 0          # crash replacements ECS owes and has not launched yet
    launched: int = 0      # 1 once a new task has been launched: an alarm's clock has started
    monitored: int = 0     # 1 once the breaker has stopped counting (breakerMonitoring: untilFirstHealthy)

    @property
    def healthy(self) -> int:
        return self.old + self.new

    @property
    def occupied(self) -> int:
        return self.old + self.stopping + self.pending + self.new + self.old_pending + self.new_stopping


def initial_fault_state(fb: FaultBounds) -> FaultState:
    return FaultState(fb.bounds.desired, 0, 0, 0)


def is_completed(fb: FaultBounds, s: FaultState) -> bool:
    """The forward deployment's goal: D healthy new tasks and nothing else (owed replacements lapse)."""
    return (s.phase == DEPLOYING and s.new == fb.bounds.desired and s.old == 0 and s.stopping == 0
            and s.pending == 0 and s.old_pending == 0 and s.new_stopping == 0)


def is_rolled_back(fb: FaultBounds, s: FaultState) -> bool:
    """The rollback's goal: D healthy old tasks, nothing stopping, nothing pending, no new task."""
    return (s.phase == ROLLING_BACK and s.old == fb.bounds.desired and s.stopping == 0 and s.pending == 0
            and s.new == 0 and s.old_pending == 0 and s.new_stopping == 0)


def is_goal(fb: FaultBounds, s: FaultState) -> bool:
    """Completed or rolled back; FAILED never is, even with D healthy old tasks (it stays primary)."""
    return is_completed(fb, s) or is_rolled_back(fb, s)


def counted(b: Bounds, s: FaultState) -> Term:
    """Tasks that count toward maximumPercent (draining ones only under the knob)."""
    total = s.old + s.pending + s.new + s.old_pending
    return total + s.stopping + s.new_stopping if b.stopping_counts_toward_max else total


def _room(b: Bounds, s: FaultState, k: Term) -> Conditions:
    """What every launch needs, of either revision: the maximum and the cluster's slots."""
    conditions: Conditions = (counted(b, s) + k <= b.max_tasks,)
    if b.capacity is not None:
        conditions += (s.occupied + k <= b.capacity,)
    return conditions


# --- scheduler actions ------------------------------------------------------------------------

def _stop_guard(fb: FaultBounds, s: FaultState, j: Term) -> Conditions:
    return (s.phase == DEPLOYING, j >= 1, j <= s.old, s.old - j + s.new >= fb.bounds.min_healthy)


def _launch_guard(fb: FaultBounds, s: FaultState, k: Term) -> Conditions:
    b = fb.bounds
    return (s.phase == DEPLOYING, k >= 1, s.pending + s.new + k <= b.desired) + _room(b, s, k)


def _stop_new_guard(fb: FaultBounds, s: FaultState, j: Term) -> Conditions:
    """The rollback replaces healthy new tasks as a forward deployment replaces old ones, under L."""
    return (s.phase == ROLLING_BACK, j >= 1, j <= s.new, s.old + s.new - j >= fb.bounds.min_healthy)


def _launch_old_guard(fb: FaultBounds, s: FaultState, k: Term) -> Conditions:
    """Old tasks: owed crash replacements in any phase; while rolling back, up to D old tasks."""
    b = fb.bounds
    if s.phase == ROLLING_BACK:
        wanted: Conditions = (s.old + s.old_pending + k <= b.desired,)
    else:
        wanted = (k <= s.owed,)
    return (k >= 1, *wanted, *_room(b, s, k))


# --- events -----------------------------------------------------------------------------------

def _ready_guard(fb: FaultBounds, s: FaultState, r: Term) -> Conditions:
    return (not fb.faults.broken, r >= 1, r <= s.pending)


def _fail_guard(fb: FaultBounds, s: FaultState, r: Term) -> Conditions:
    """A pending new task fails: every one of a broken revision, a flaky one's within its budget."""
    if fb.faults.broken:
        return (r == 1, s.pending >= 1)
    return (fb.flaky_budget > 0, r == 1, s.pending >= 1, s.flaky_failed < fb.flaky_budget)


def _ready_old_guard(fb: FaultBounds, s: FaultState, r: Term) -> Conditions:
    return (r >= 1, r <= s.old_pending)


def _gone_guard(fb: FaultBounds, s: FaultState, g: Term) -> Conditions:
    return (g >= 1, g <= s.stopping)


def _gone_new_guard(fb: FaultBounds, s: FaultState, g: Term) -> Conditions:
    return (g >= 1, g <= s.new_stopping)


def _crash_guard(fb: FaultBounds, s: FaultState, c: Term) -> Conditions:
    """Crashes strike only while deploying or rolling back, at most oldTaskCrashes of them."""
    return (c == 1, s.phase != FAILED, s.old >= 1, s.crashes < fb.faults.old_task_crashes)


def _alarm_guard(fb: FaultBounds, s: FaultState, a: Term) -> Conditions:
    """A broken revision's alarm fires some time after its first launch (ECS's run: alarmDetectionSeconds)."""
    return (fb.alarms is not None and fb.faults.broken, a == 1, s.phase == DEPLOYING, s.launched == 1)


def trip_effect(fb: FaultBounds, s: FaultState, rollback: bool) -> FaultState:
    """The breaker or an alarm fails the deployment: pending new tasks stop at once, and ECS rolls back or halts.

    Pending new tasks are not healthy, so the minimum does not hold them; they
    leave at once. Healthy new tasks stay, to be replaced under L and U by the
    rollback (or kept where they are, FAILED). The counter is frozen.
    """
    return s._replace(pending=0, phase=ROLLING_BACK if rollback else FAILED)


def breaker_counts(fb: FaultBounds, s: FaultState) -> bool:
    """Whether a failure in `s` counts toward the breaker's threshold (`s.monitored` a plain integer)."""
    return fb.breaker is not None and s.phase == DEPLOYING and not s.monitored


def _fail_effect(fb: FaultBounds, s: FaultState, r: int) -> FaultState:
    counting = breaker_counts(fb, s)
    failures = s.failures + r if counting else s.failures
    moved = s._replace(pending=s.pending - r, failures=failures,
                       flaky_failed=s.flaky_failed + (r if fb.faults.new_revision == FLAKY else 0))
    if counting and fb.threshold is not None and fb.breaker is not None and failures >= fb.threshold:
        return trip_effect(fb, moved, fb.breaker.rollback)
    return moved


def _ready_effect(fb: FaultBounds, s: FaultState, r: int) -> FaultState:
    reset = fb.breaker is not None and fb.breaker.reset_on_healthy_task and s.phase == DEPLOYING
    # Under the other reading of AWS's pages the first healthy new task ends the monitoring for good.
    done = fb.breaker is not None and s.phase == DEPLOYING and fb.faults.breaker_monitoring == UNTIL_FIRST_HEALTHY
    return s._replace(pending=s.pending - r, new=s.new + r, failures=0 if reset else s.failures,
                      monitored=1 if done else s.monitored)


def _launch_old_effect(fb: FaultBounds, s: FaultState, k: int) -> FaultState:
    return s._replace(old_pending=s.old_pending + k, owed=max(0, s.owed - k))


def _alarm_effect(fb: FaultBounds, s: FaultState, a: int) -> FaultState:
    assert fb.alarms is not None
    return trip_effect(fb, s, fb.alarms.rollback)


@dataclass(frozen=True, slots=True)
class FaultTransition:
    """An action (controllable) or event (environment) of the fault rules, with its guard and effect.

    `optional` marks the events that may happen but need not (a crash, a flaky
    failure): `progress` never counts them as a way out.
    """

    name: str
    controllable: bool
    guard: Callable[[FaultBounds, FaultState, Term], Conditions]
    effect: Callable[[FaultBounds, FaultState, int], FaultState]
    batched: bool = True   # whether amounts above 1 exist (failures, crashes and alarms come one at a time)

    def enabled(self, fb: FaultBounds, state: FaultState, amount: int = 1) -> bool:
        return all(self.guard(fb, state, amount))

    def optional(self, fb: FaultBounds) -> bool:
        return self.name == "crash" or (self.name == "fail" and not fb.faults.broken)


F_STOP = FaultTransition("stop", True, _stop_guard,
                         lambda fb, s, j: s._replace(old=s.old - j, stopping=s.stopping + j))
F_LAUNCH = FaultTransition("launch", True, _launch_guard,
                           lambda fb, s, k: s._replace(pending=s.pending + k, launched=1))
F_STOP_NEW = FaultTransition("stop_new", True, _stop_new_guard,
                             lambda fb, s, j: s._replace(new=s.new - j, new_stopping=s.new_stopping + j))
F_LAUNCH_OLD = FaultTransition("launch_old", True, _launch_old_guard, _launch_old_effect)
F_READY = FaultTransition("ready", False, _ready_guard, _ready_effect)
F_FAIL = FaultTransition("fail", False, _fail_guard, _fail_effect, batched=False)
F_READY_OLD = FaultTransition("ready_old", False, _ready_old_guard,
                              lambda fb, s, r: s._replace(old_pending=s.old_pending - r, old=s.old + r))
F_GONE = FaultTransition("gone", False, _gone_guard, lambda fb, s, g: s._replace(stopping=s.stopping - g))
F_GONE_NEW = FaultTransition("gone_new", False, _gone_new_guard,
                             lambda fb, s, g: s._replace(new_stopping=s.new_stopping - g))
F_CRASH = FaultTransition("crash", False, _crash_guard,
                          lambda fb, s, c: s._replace(old=s.old - c, crashes=s.crashes + c, owed=s.owed + c),
                          batched=False)
F_ALARM = FaultTransition("alarm", False, _alarm_guard, _alarm_effect, batched=False)

FAULT_TRANSITIONS: tuple[FaultTransition, ...] = (
    F_STOP, F_LAUNCH, F_STOP_NEW, F_LAUNCH_OLD, F_READY, F_FAIL, F_READY_OLD, F_GONE, F_GONE_NEW, F_CRASH, F_ALARM)
FAULT_BY_NAME = {t.name: t for t in FAULT_TRANSITIONS}


def fault_successors(fb: FaultBounds, s: FaultState) -> list[tuple[str, FaultState, bool]]:
    """Every unit step from `s`: (transition name, successor, whether the step is optional).

    Unit steps suffice for reachability, as in the count model: every guard is
    downward closed in its amount, so a batch is a run of unit steps through
    states that are themselves reachable. The exception is the trip, which a
    failure causes whatever its batch; a failure comes one at a time here.
    """
    found = []
    for transition in FAULT_TRANSITIONS:
        if transition.enabled(fb, s, 1):
            found.append((transition.name, transition.effect(fb, s, 1), transition.optional(fb)))
    return found


def fault_blocked_reasons(fb: FaultBounds, s: FaultState) -> list[str]:
    """Why nothing moves in a stuck fault state, in plain words with its numbers."""
    b = fb.bounds
    reasons = []
    if s.phase == FAILED:
        reasons.append("the deployment has FAILED: ECS launches and stops nothing more, and the service stays "
                       f"at {s.old} old and {s.new} new healthy tasks")
        return reasons
    if s.phase == ROLLING_BACK:
        if s.new and s.old + s.new - 1 < b.min_healthy:
            reasons.append(f"stopping a new task would leave {s.old + s.new - 1} healthy, below the "
                           f"{b.min_healthy} that minimumHealthyPercent {b.min_healthy_percent} requires")
        if s.old + s.old_pending < b.desired and counted(b, s) + 1 > b.max_tasks:
            reasons.append(f"launching an old task would make {counted(b, s) + 1} tasks, above the "
                           f"{b.max_tasks} that maximumPercent {b.max_percent} allows")
        if s.old + s.old_pending < b.desired and b.capacity is not None and s.occupied + 1 > b.capacity:
            reasons.append(f"launching an old task would need {s.occupied + 1} task slots, above the "
                           f"{b.capacity} the cluster has")
        return reasons
    if s.old and s.old - 1 + s.new < b.min_healthy:
        reasons.append(f"stopping an old task would leave {s.old - 1 + s.new} healthy, below the "
                       f"{b.min_healthy} that minimumHealthyPercent {b.min_healthy_percent} requires")
    if s.pending + s.new < b.desired:
        if counted(b, s) + 1 > b.max_tasks:
            reasons.append(f"starting one would make {counted(b, s) + 1} tasks, above the "
                           f"{b.max_tasks} that maximumPercent {b.max_percent} allows")
        if b.capacity is not None and s.occupied + 1 > b.capacity:
            reasons.append(f"starting one would need {s.occupied + 1} task slots, above the "
                           f"{b.capacity} the cluster has")
    return reasons
