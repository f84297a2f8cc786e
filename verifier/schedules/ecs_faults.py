"""ECS's own run with a bad release (docs/semantics.md#faults): failing tasks, crashes, the breaker, rollback.

The run of `verifier.schedules.ecs_controller`, with the fault rules of
`verifier.fault_semantics` for every guard and effect, and the timing choices
that docs/semantics.md#faults fixes where AWS's pages are silent:

* events completing at one instant are applied together, in a fixed order:
  old tasks gone, new tasks gone, old tasks ready, new tasks ready, then the
  failures (a success resets only the failures counted before that instant),
  every failure of the instant counted and the breaker checked after them,
  then an alarm that fires at that instant;
* the controller then looks: while deploying it stops as many old tasks as
  the minimum allows, crashes strike (at 0 s only, right after the first
  stops), owed crash replacements are launched, then new tasks; while rolling
  back it stops as many healthy new tasks as the minimum allows and launches
  as many old ones as the maximum, the cluster and the desired count allow;
  once FAILED it only launches owed replacements;
* a flaky revision's failures are its earliest launched tasks; a task that
  fails to start leaves at its launch instant.

Events are kept as counts per instant, so a round costs a few steps however
many tasks it moves (a million tasks failing at once is one step). The run is
deterministic: when the state and the queue of pending events, relative to
now, are the same as at an earlier round, it repeats for ever (a broken
release without a breaker), and the simulation stops there.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.fault_semantics import (
    DEPLOYING,
    F_ALARM,
    F_CRASH,
    F_FAIL,
    F_GONE,
    F_GONE_NEW,
    F_LAUNCH,
    F_LAUNCH_OLD,
    F_READY,
    F_READY_OLD,
    F_STOP,
    F_STOP_NEW,
    FAILED,
    ROLLING_BACK,
    FaultBounds,
    FaultState,
    FaultTransition,
    counted,
    fault_bounds_of,
    initial_fault_state,
    is_completed,
    is_rolled_back,
)
from verifier.model.faults import FLAKY, Faults
from verifier.model.records import Settings

# Outcomes of ECS's run (the JSON's ecs.outcome).
COMPLETED = "completed"
ROLLED_BACK = "rolled_back"
RUN_FAILED = "failed"
NEVER_COMPLETES = "never_completes"
STUCK = "stuck"
OUTCOMES = (COMPLETED, ROLLED_BACK, RUN_FAILED, NEVER_COMPLETES, STUCK)

# Rounds (instants at which events complete) before the run is given up as inconclusive: about
# 2 s of work on a busy machine; a run with faults that long moves one task a round at scale.
MAX_FAULT_ROUNDS = 20_000

# Slots of the per-instant event counts, in the order they are applied.
_GONE, _GONE_NEW, _READY_OLD, _READY, _FAIL, _ALARM = range(6)
_EVENTS: tuple[FaultTransition, ...] = (F_GONE, F_GONE_NEW, F_READY_OLD, F_READY, F_FAIL, F_ALARM)
# The queue relative to now, with the state and the flaky failures already scheduled: a round's signature.
_Signature = tuple[FaultState, int, tuple[tuple[int, tuple[int, ...]], ...]]


@dataclass(frozen=True, slots=True)
class FaultTrace:
    """ECS's run step by step: states[i] --actions[i]--> states[i + 1], reached at times[i + 1] seconds."""

    states: tuple[FaultState, ...]
    actions: tuple[str, ...]
    times: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FaultRun:
    """ECS's own run with the model's faults, and the figures users ask for."""

    outcome: str | None              # one of OUTCOMES; None when the simulation ran out of rounds
    breaker_threshold: int | None    # T at this desired count; None without a breaker
    tripped_at_seconds: int | None   # when the breaker or an alarm failed the deployment
    tripped_by: str | None           # "breaker" or "alarm"
    rolled_back_at_seconds: int | None
    makespan_seconds: int | None     # when the run ended: completed or rolled back; None otherwise
    min_healthy_seen: int
    seconds_below_desired: int | None    # None: the service never returns to desiredCount (for ever)
    below_desired: tuple[tuple[int, int | None], ...]   # the spans below desiredCount; None: no end
    max_counted_seen: int
    max_occupied_seen: int
    desired: int
    trace: FaultTrace
    repeats_from_seconds: int | None = None   # never_completes: the run repeats from this second on

    @property
    def exhausted(self) -> bool:
        return self.outcome is None

    @property
    def completes(self) -> bool:
        return self.outcome == COMPLETED

    def advice(self) -> str:
        return (f"ECS's run with the model's faults was simulated for {MAX_FAULT_ROUNDS:,} rounds without "
                "finishing, repeating or getting stuck, the simulation's work budget; check a smaller "
                "desiredCount")


def fault_run(settings: Settings, faults: Faults, max_rounds: int = MAX_FAULT_ROUNDS) -> FaultRun:
    """ECS's own run of the deployment `settings` describe, with the release's `faults`."""
    return _FaultSimulation(fault_bounds_of(settings, faults), settings, max_rounds).run()


class _FaultSimulation:
    def __init__(self, fb: FaultBounds, settings: Settings, max_rounds: int) -> None:
        self.fb, self.max_rounds = fb, max_rounds
        faults = fb.faults
        self.health_seconds, self.drain_seconds = settings.health_check_seconds, settings.drain_seconds
        self.failure_seconds = faults.failure_seconds(settings.health_check_seconds)
        self.state = initial_fault_state(fb)
        self.states: list[FaultState] = [self.state]
        self.actions: list[str] = []
        self.times: list[int] = [0]
        self.due: dict[int, list[int]] = {}
        self.flaky_scheduled = 0   # flaky failures already scheduled: the earliest launched tasks fail
        self.tripped_at: int | None = None
        self.tripped_by: str | None = None
        self.crashes_struck = False
        self.relaunching_since: int | None = None   # failing tasks relaunched without end at one instant

    # --- bookkeeping --------------------------------------------------------------------------

    def record(self, transition: FaultTransition, amount: int, now: int) -> None:
        self.state = transition.effect(self.fb, self.state, amount)
        self.states.append(self.state)
        self.actions.append(transition.name if amount == 1 else f"{transition.name}({amount})")
        self.times.append(now)

    def schedule(self, when: int, slot: int, amount: int) -> None:
        if amount:
            self.due.setdefault(when, [0] * len(_EVENTS))[slot] += amount

    def signature(self, now: int) -> _Signature:
        queue = tuple(sorted((when - now, tuple(counts)) for when, counts in self.due.items()))
        return self.state, self.flaky_scheduled, queue

    def largest(self, transition: FaultTransition, upper: int) -> int:
        """The largest amount the guard allows (guards are downward closed, so a bisection finds it)."""
        if upper < 1 or not transition.enabled(self.fb, self.state, 1):
            return 0
        low, high = 1, upper
        while low < high:
            middle = (low + high + 1) // 2
            if transition.enabled(self.fb, self.state, middle):
                low = middle
            else:
                high = middle - 1
        return low

    # --- what happens at one instant -------------------------------------------------------------

    def events(self, now: int) -> None:
        counts = self.due.pop(now)
        for slot, transition in enumerate(_EVENTS):
            amount = counts[slot]
            if not amount:
                continue
            if slot == _ALARM:
                if transition.enabled(self.fb, self.state, 1):
                    self.record(transition, 1, now)
                    self.tripped(now, "alarm")
                continue
            if slot == _FAIL:
                # One unit guard (failures come one at a time in the graph) and the batch's
                # own count: every failure of the instant counts before the breaker looks.
                assert transition.enabled(self.fb, self.state, 1) and self.state.pending >= amount
                phase = self.state.phase
                self.record(transition, amount, now)
                if phase == DEPLOYING and self.state.phase != DEPLOYING:
                    self.tripped(now, "breaker")
                continue
            assert transition.enabled(self.fb, self.state, amount), f"{transition.name}({amount}) in {self.state}"
            self.record(transition, amount, now)

    def tripped(self, now: int, by: str) -> None:
        """The deployment failed: its pending new tasks have left, so their events are void."""
        self.tripped_at, self.tripped_by = now, by
        for counts in self.due.values():
            counts[_READY] = counts[_FAIL] = 0
        self.due = {when: counts for when, counts in self.due.items() if any(counts)}

    def control(self, now: int) -> None:
        """The controller's look at the service, after the instant's events."""
        phase = self.state.phase
        if phase == DEPLOYING:
            stop = self.largest(F_STOP, self.state.old)
            if stop:
                self.record(F_STOP, stop, now)
                self.schedule(now + self.drain_seconds, _GONE, stop)
            if not self.crashes_struck:
                # Crashes strike when the service is thinnest: right after ECS's first stops (at 0 s).
                self.crashes_struck = True
                while F_CRASH.enabled(self.fb, self.state, 1):
                    self.record(F_CRASH, 1, now)
        elif phase == ROLLING_BACK:
            stop = self.largest(F_STOP_NEW, self.state.new)
            if stop:
                self.record(F_STOP_NEW, stop, now)
                self.schedule(now + self.drain_seconds, _GONE_NEW, stop)
        # Owed crash replacements go first (in any phase); rolling back, old tasks up to desiredCount.
        launch_old = self.largest(F_LAUNCH_OLD, max(self.fb.bounds.desired, self.state.owed))
        if launch_old:
            self.record(F_LAUNCH_OLD, launch_old, now)
            self.schedule(now + self.health_seconds, _READY_OLD, launch_old)
        if phase == DEPLOYING:
            launch = self.largest(F_LAUNCH, self.fb.bounds.desired)
            if launch:
                self.launch_new(launch, now)

    def launch_new(self, amount: int, now: int) -> None:
        first = self.state.launched == 0
        self.record(F_LAUNCH, amount, now)
        faults = self.fb.faults
        if faults.broken:
            failing = amount
        elif faults.new_revision == FLAKY:
            failing = min(amount, self.fb.flaky_budget - self.flaky_scheduled)
            self.flaky_scheduled += failing
        else:
            failing = 0
        if self.relaunching_since is None:
            self.schedule(now + self.failure_seconds, _FAIL, failing)
        self.schedule(now + self.health_seconds, _READY, amount - failing)
        if first and self.fb.alarms is not None and faults.broken:
            self.schedule(now + faults.alarm_detection_seconds, _ALARM, 1)

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> FaultRun:
        now = 0
        self.control(now)
        seen: dict[_Signature, int] = {}
        rounds = 0
        while not self.ended() and self.due:
            if rounds >= self.max_rounds:
                return self.result(None, now)
            now = min(self.due)
            signature = self.signature(now)
            if signature in seen:
                if self.times[seen[signature]] == now and self.relaunching_since is None:
                    self.relaunch_for_ever(now)
                    seen.clear()
                    continue
                return self.result(NEVER_COMPLETES, now, repeats_from=seen[signature])
            seen[signature] = len(self.states) - 1
            rounds += 1
            self.events(now)
            self.control(now)
        if is_completed(self.fb, self.state):
            return self.result(COMPLETED, now)
        if is_rolled_back(self.fb, self.state):
            return self.result(ROLLED_BACK, now)
        if self.relaunching_since is not None and self.state.phase == DEPLOYING:
            return self.result(NEVER_COMPLETES, now)
        return self.result(RUN_FAILED if self.state.phase == FAILED else STUCK, now)

    def relaunch_for_ever(self, now: int) -> None:
        """Tasks that fail at once, relaunched at once, with nothing to stop it: a loop at one instant.

        Time would never pass; ECS keeps relaunching them (its restart throttling is
        not modelled) while the rest of the run goes on. They are left pending, as
        they are in every state of the loop that lasts (after the launch), and
        never fail again, so the other events (crash replacements, draining)
        still happen, and the run ends with the service at what it keeps for ever.
        """
        self.relaunching_since = now
        counts = self.due[now]
        counts[_FAIL] = 0
        if not any(counts):
            del self.due[now]

    def ended(self) -> bool:
        return is_completed(self.fb, self.state) or is_rolled_back(self.fb, self.state)

    def result(self, outcome: str | None, now: int, repeats_from: int | None = None) -> FaultRun:
        fb, states, times = self.fb, self.states, self.times
        desired = fb.bounds.desired
        # What stays for ever: a repeating run's cycle (the states in force from the repeat on),
        # a FAILED or stuck run's last state. Below D there, the service never returns to D.
        if repeats_from is not None:
            cycle_start = times[repeats_from]
            forever = [state for i, state in enumerate(states) if times[i] >= cycle_start
                       and (i + 1 == len(states) or times[i + 1] != times[i])]
        else:
            forever = states[-1:] if outcome in (RUN_FAILED, STUCK, NEVER_COMPLETES) else []
        spans = below_spans(states, times, desired)
        endless = any(state.healthy < desired for state in forever)
        if endless and spans and spans[-1][1] == times[-1]:
            spans[-1] = (spans[-1][0], None)
        elif endless:
            spans.append((times[-1], None))
        ended = outcome in (COMPLETED, ROLLED_BACK)
        return FaultRun(
            outcome=outcome,
            breaker_threshold=fb.threshold,
            tripped_at_seconds=self.tripped_at,
            tripped_by=self.tripped_by,
            rolled_back_at_seconds=now if outcome == ROLLED_BACK else None,
            makespan_seconds=now if ended else None,
            min_healthy_seen=min(s.healthy for s in states),
            # Not settled (no outcome): the time below D is not known either.
            seconds_below_desired=None if endless or outcome is None else sum(_length(s, e) for s, e in spans),
            below_desired=tuple(spans),
            max_counted_seen=max(counted(fb.bounds, s) for s in states),
            max_occupied_seen=max(s.occupied for s in states),
            desired=desired,
            trace=FaultTrace(tuple(states), tuple(self.actions), tuple(times)),
            repeats_from_seconds=times[repeats_from] if repeats_from is not None else self.relaunching_since,
        )


def _length(start: int, end: int | None) -> int:
    assert end is not None, "a span without an end has no length"
    return end - start


def below_spans(states: list[FaultState], times: list[int], desired: int) -> list[tuple[int, int | None]]:
    """The time spans in which the state in force (the last one of its instant) has fewer than D healthy."""
    spans: list[tuple[int, int | None]] = []
    start: int | None = None
    for index, state in enumerate(states):
        last_of_instant = index + 1 == len(states) or times[index + 1] != times[index]
        if not last_of_instant:
            continue
        if state.healthy < desired and start is None:
            start = times[index]
        elif state.healthy >= desired and start is not None:
            spans.append((start, times[index]))
            start = None
    if start is not None:
        spans.append((start, times[-1]))
    return spans

