"""What ECS itself does (docs/semantics.md#ecs-run): a deterministic, event-driven simulation.

At time 0 and whenever events complete, the controller stops as many old tasks
as the minimum allows, then launches as many new ones as the maximum, the
desired count and the cluster allow. Events that complete at the same instant
are applied together before the controller looks again; ready and gone events
never tighten a guard, so their order within an instant cannot matter. Events
are kept as counts per instant, so a round costs a few steps however many
tasks it moves.

Long runs repeat themselves (one free slot and a million tasks is a million
identical rounds). When the queue of pending events looks the same, relative
to now, as it did some rounds ago, those rounds are a candidate period; Z3
checks (see `periodic`) for how many repetitions every event stays allowed and
every choice stays the largest the controller may make, and the simulation
jumps over them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

from verifier.counterexample import Counterexample, Repeat
from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.model.records import Model
from verifier.schedules.ecs_pieces import ecs_pieces
from verifier.semantics import (
    GONE,
    LAUNCH,
    READY,
    STOP,
    Action,
    Bounds,
    Deployment,
    RepeatStep,
    State,
    Transition,
    counted,
    goal_state,
    initial_state,
)
from verifier.smt.periodic import MAX_REPEATS, longest_repeat, shifted

# Short runs are simulated step by step, so that a report shows every round; a
# jump is tried once a run is long, and only kept when it skips many periods.
MIN_STEPS_BEFORE_JUMP = 64
MIN_PERIODS_TO_JUMP = 4
# Recorded states per run before it is given up as inconclusive: a run that jumps
# over its periods needs a few hundred, however many tasks it moves.
MAX_SIMULATION_STATES = 100_000

# (step index of the state decided in, transition, amount chosen)
_Decision = tuple[int, Transition, int]
# The queue of pending events relative to now: (seconds from now, tasks becoming ready, tasks gone).
_Signature = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True, slots=True)
class EcsRun:
    completes: bool
    makespan_seconds: int | None
    min_healthy_seen: int
    max_counted_seen: int
    max_occupied_seen: int
    trace: Counterexample  # with `times`: the second at which each state is reached
    exhausted: bool = False  # stopped at MAX_SIMULATION_STATES: neither finished nor stuck
    # cluster.instances with managed scaling: per instance added, (second asked for, second usable).
    scale_outs: tuple[tuple[int, int], ...] = ()

    def advice(self) -> str:
        return (f"ECS's run was simulated for {len(self.trace.states):,} states without finishing or getting "
                "stuck, the simulation's work budget; check a smaller desiredCount")


@dataclass(slots=True)
class _Round:
    now: int
    step: int              # index in the trace of the state at the start of the round
    decisions: list[_Decision]


class _Simulation:
    def __init__(self, deployment: Deployment, timeout_ms: int, max_states: int) -> None:
        self.deployment, self.bounds, self.timeout_ms = deployment, deployment.bounds, timeout_ms
        self.max_states = max_states
        self.state = initial_state(self.bounds)
        self.states: list[State] = [self.state]
        self.actions: list[Action | RepeatStep] = []
        self.times: list[int] = [0]
        self.repeats: list[Repeat] = []
        self.due: dict[int, list[int]] = {}  # second -> [tasks becoming ready, tasks gone]
        self.rounds: list[_Round] = []

    def record(self, action: Action, now: int) -> None:
        following = action.apply(self.bounds, self.state)
        assert following is not None, f"controller chose a disabled {action} in {self.state}"
        self.state = following
        self.states.append(following)
        self.actions.append(action)
        self.times.append(now)

    def control(self, now: int, decisions: list[_Decision]) -> None:
        for transition, slot in ((STOP, 1), (LAUNCH, 0)):
            delay = self.deployment.step_seconds(transition.name)
            amount = transition.largest_amount(self.bounds, self.state)
            decisions.append((len(self.states) - 1, transition, amount))
            if amount:
                self.record(Action(transition.name, amount), now)
                self.due.setdefault(now + delay, [0, 0])[slot] += amount

    def signature(self, now: int) -> _Signature:
        return tuple(sorted((when - now, ready, gone) for when, (ready, gone) in self.due.items()))

    def try_jump(self, earlier: _Round, now: int) -> bool:
        """Repeat the rounds since `earlier` as often as Z3 confirms they stay the same."""
        first, last = earlier.step, len(self.states) - 1
        delta = State(*(a - b for a, b in zip(self.state, self.states[first], strict=True)))
        if not any(delta):
            return False
        steps = list(zip(self.states[first:last], self.actions[first:last], strict=True))
        period = [(before, action) for before, action in steps if isinstance(action, Action)]
        assert len(period) == len(steps), "a period never spans an earlier jump: `rounds` restart after one"
        decisions = [d for r in self.rounds if r.step >= first for d in r.decisions]
        bounds = self.bounds

        def still_largest(at: Callable[[State], State]) -> list[z3.BoolRef]:
            conditions = []
            for step, transition, amount in decisions:
                conditions.append(z3.Not(z3.And(*transition.guard(bounds, at(self.states[step]), amount + 1))))
            return conditions

        periods = longest_repeat(bounds, period, delta, still_largest, limit=repeat_limit(bounds),
                                 timeout_ms=self.timeout_ms)
        if periods < MIN_PERIODS_TO_JUMP:
            return False
        seconds = now - earlier.now
        jumped = shifted(self.state, delta, periods)
        self.repeats.append(Repeat(first, last, periods, delta, seconds))
        self.state = jumped
        self.states.append(jumped)
        self.actions.append(RepeatStep(periods))
        # The jumped state is the last recorded one, `periods` periods later.
        self.times.append(self.times[-1] + periods * seconds)
        self.due = {when + periods * seconds: counts for when, counts in self.due.items()}
        self.rounds.clear()
        return True

    def run(self) -> EcsRun:
        now = 0
        decisions: list[_Decision] = []
        self.rounds.append(_Round(0, 0, decisions))
        self.control(0, decisions)
        seen: dict[_Signature, _Round] = {}
        while self.due:
            if len(self.states) >= self.max_states:
                return self.result(now, exhausted=True)
            now = min(self.due)
            signature = self.signature(now)
            earlier = seen.get(signature)
            if earlier is not None and len(self.states) > MIN_STEPS_BEFORE_JUMP and self.try_jump(earlier, now):
                seen.clear()
                continue
            round_ = _Round(now, len(self.states) - 1, [])
            seen[signature] = round_
            self.rounds.append(round_)
            ready, gone = self.due.pop(now)
            if gone:
                self.record(Action(GONE.name, gone), now)
            if ready:
                self.record(Action(READY.name, ready), now)
            self.control(now, round_.decisions)
        return self.result(now)

    def result(self, now: int, exhausted: bool = False) -> EcsRun:
        completes = not exhausted and self.state == goal_state(self.bounds)
        # Over a repeated period every count moves linearly, so its extremes are at the
        # period's ends, which are recorded states; the states inside the first period are too.
        return EcsRun(
            completes=completes,
            makespan_seconds=now if completes else None,
            min_healthy_seen=min(s.healthy for s in self.states),
            max_counted_seen=max(counted(self.bounds, s) for s in self.states),
            max_occupied_seen=max(s.occupied for s in self.states),
            trace=Counterexample(tuple(self.states), tuple(self.actions), tuple(self.times),
                                 repeats=tuple(self.repeats)),
            exhausted=exhausted,
        )


def repeat_limit(bounds: Bounds) -> int:
    """The most periods a jump may ask Z3 about: each period moves some count of tasks, which
    stays within 0..max(D, C), so more than that many cannot all be valid; at least the old
    fixed limit, so small runs jump as before."""
    return max(MAX_REPEATS, 2 * max(bounds.desired, bounds.capacity or 0) + 2)


def simulate(deployment: Deployment, timeout_ms: int = DEFAULT_TIMEOUT_MS,
             max_states: int = MAX_SIMULATION_STATES) -> EcsRun:
    """ECS's own run; `exhausted` when it takes more than `max_states` recorded states."""
    return _Simulation(deployment, timeout_ms, max_states).run()


def worst_makespan(model: Model, work_budget: int, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> int | None:
    """ECS's slowest run over every desired count of `model` (a Model, with or without a range).

    None when some run never finishes or is not settled. The runs are taken by
    pieces of the range (`ecs_pieces`), on each of which the makespan is affine
    in the count, so its largest value is at one end; `work_budget` and
    `timeout_ms` are kept for callers and no longer needed.
    """
    low, high = model.desired_range or (model.settings.desired, model.settings.desired)
    worst = 0
    for run in ecs_pieces(model, low, high):
        if not run.completes or run.makespan is None or run.piece.hi is None:
            return None
        worst = max(worst, run.makespan.at(run.piece.lo), run.makespan.at(run.piece.hi))
    return worst
