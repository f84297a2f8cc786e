"""What ECS itself does (SPEC section 5.3): a deterministic, event-driven simulation.

At time 0 and whenever events complete, the controller stops as many old tasks
as the minimum allows, then launches as many new ones as the maximum, the
desired count and the cluster allow. Events that complete at the same instant
are applied together before the controller looks again; ready and gone events
never tighten a guard, so their order within an instant cannot matter. Events
are kept as counts per instant, so a service of a million tasks costs a handful
of steps per round, not one per task.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..counterexample import Counterexample
from ..model import Settings
from ..semantics import GONE, LAUNCH, READY, STOP, Action, Bounds, State, counted, goal_state, initial_state


@dataclass(frozen=True, slots=True)
class EcsRun:
    completes: bool
    makespan_seconds: int | None
    min_healthy_seen: int
    max_counted_seen: int
    max_occupied_seen: int
    trace: Counterexample  # with `times`: the second at which each state is reached


def simulate(bounds: Bounds, settings: Settings) -> EcsRun:
    state = initial_state(bounds)
    states, actions, times = [state], [], [0]
    due: dict[int, list[int]] = {}  # second -> [tasks becoming ready, tasks gone]

    def record(action: Action, now: int) -> None:
        nonlocal state
        following = action.apply(bounds, state)
        assert following is not None, f"controller chose a disabled {action} in {state}"
        state = following
        states.append(state)
        actions.append(action)
        times.append(now)

    def control(now: int) -> None:
        stop = STOP.largest_amount(bounds, state)
        if stop:
            record(Action("stop", stop), now)
            due.setdefault(now + settings.drain_seconds, [0, 0])[1] += stop
        launch = LAUNCH.largest_amount(bounds, state)
        if launch:
            record(Action("launch", launch), now)
            due.setdefault(now + settings.health_check_seconds, [0, 0])[0] += launch

    now = 0
    control(now)
    while due:
        now = min(due)
        ready, gone = due.pop(now)
        if gone:
            record(Action(GONE.name, gone), now)
        if ready:
            record(Action(READY.name, ready), now)
        control(now)
    completes = state == goal_state(bounds)
    return EcsRun(
        completes=completes,
        makespan_seconds=now if completes else None,
        min_healthy_seen=min(s.healthy for s in states),
        max_counted_seen=max(counted(bounds, s) for s in states),
        max_occupied_seen=max(s.occupied for s in states),
        trace=Counterexample(tuple(states), tuple(actions), tuple(times)),
    )
