"""The least makespan of any schedule where stops and launches overlap in time (docs/semantics.md#optimal-schedule).

ECS's own run is an optimal schedule, so the optimal makespan is ECS's makespan,
at every size. Why (a dominance argument). For any schedule write, at instant t
after its decisions there, S(t) for the tasks stopped so far, G(t) for those
gone, A(t) for those launched and N(t) for those healthy. Then o = D - S,
s = S - G, p = A - N, n = N, and the guards read, in these cumulative counts:

    stop:    S(t) <= min(D, D - L + N(t))                  (o - j + n >= L, j <= o)
    launch:  A(t) <= min(D, U - D + S(t), C - D + G(t))    (p + n + k <= D, counted, occupied)
             with U - D + G(t) in place of U - D + S(t) when stopping tasks count toward the maximum
    events:  N(t) = A(t - h),  G(t) = S(t - d)             (a task is ready h, gone d seconds after)

Every right-hand side is nondecreasing in N, S and G. ECS, at time 0 and whenever
an event completes, stops the most the minimum allows and then launches the most
the maximum, the desired count and the cluster allow, and looks again while events
of zero duration complete at that instant: it sets S and A to these bounds. By
induction over the instants at which either schedule acts or an event completes:
if ECS's S and A are at least another schedule's before t, then at t its N and G
are too (they are S and A shifted by d and h), so its bounds are at least the
other's, and it reaches them; within one instant, each single step of the other
schedule stays below ECS's fixed point. So at every instant ECS has stopped,
launched, made healthy and seen gone at least as many tasks as any schedule: it
reaches the goal (S = G = A = N = D) no later, and when its run gets stuck at a
state short of the goal, no schedule finishes at all.

tests/test_optimal.py checks this against an exact search (event_search.py, and
the tick search it replaced) on every small deployment. ECS's run is simulated
event by event, with long repeating stretches jumped over once Z3 confirms them
(ecs_controller.py), so the figure is there at D = 10^6 too; a run that exceeds
the simulation's budget leaves the optimum unknown, with that reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.schedules.ecs_controller import EcsRun, simulate
from verifier.semantics import GONE, READY, Action, Deployment, RepeatStep


@dataclass(frozen=True, slots=True)
class TimedDecision:
    """What the scheduler does at one instant, in order (the order matters only when a
    duration is 0 and a launched task is healthy, or a stopped one gone, at once).
    A `repeat xN` decision says that the decisions since the start of the period
    before it are repeated N more times, each time one period later (as in ECS's trace)."""

    second: int
    actions: tuple[Action | RepeatStep, ...]

    def __str__(self) -> str:
        return ", ".join(str(action) for action in self.actions)


@dataclass(frozen=True, slots=True)
class OptimalSchedule:
    makespan_seconds: int | None
    schedule: tuple[TimedDecision, ...]
    complete: bool          # False when a budget stopped the computation: the optimum is unknown
    states: int
    tick_seconds: int       # g = gcd(health, drain): every event completes on a multiple of it
    skipped: bool = False   # not searched at all: known to exceed the budget
    reason: str = ""        # why the optimum is unknown, when it is


def no_makespan_text(optimal: OptimalSchedule) -> str:
    """What a report says of an optimal schedule without a makespan, in every format."""
    if optimal.skipped and optimal.reason:   # not searched for a reason other than size
        return optimal.reason
    if optimal.skipped:
        return "not searched: the state space is beyond the budget"
    if not optimal.complete:
        return f"unknown: the search stopped at {optimal.states:,} timed states"
    return "none: no schedule finishes the deployment"


def optimal_schedule(deployment: Deployment, ecs: EcsRun | None = None,
                     timeout_ms: int = DEFAULT_TIMEOUT_MS) -> OptimalSchedule:
    """The least makespan and a schedule that reaches it: ECS's run (see the module docstring).

    `ecs` is ECS's run when the caller has it already (else it is simulated here); the
    run's own budget bounds the work.
    """
    run = ecs if ecs is not None else simulate(deployment, timeout_ms)
    tick = math.gcd(deployment.health_check_seconds, deployment.drain_seconds)
    states = len(run.trace.states)
    if run.exhausted:
        return OptimalSchedule(None, (), False, states, tick, reason=run.advice())
    if not run.completes:
        return OptimalSchedule(None, (), True, states, tick)
    return OptimalSchedule(run.makespan_seconds, decisions_of(run), True, states, tick)


def decisions_of(run: EcsRun) -> tuple[TimedDecision, ...]:
    """The stops and launches of ECS's run by second, its repeated periods as `repeat` decisions."""
    trace = run.trace
    times = trace.times or (0,) * len(trace.states)
    decisions: list[TimedDecision] = []
    for index, action in enumerate(trace.actions):
        second = times[index]
        if isinstance(action, RepeatStep):
            decisions.append(TimedDecision(second, (action,)))
        elif action.name not in (READY.name, GONE.name):
            last = decisions[-1] if decisions else None
            if last is not None and last.second == second and not isinstance(last.actions[-1], RepeatStep):
                decisions[-1] = TimedDecision(second, (*last.actions, action))
            else:
                decisions.append(TimedDecision(second, (action,)))
    return tuple(decisions)
