"""What ECS itself does on instances (docs/semantics.md#placement): view 3 with its placement strategy.

As in `ecs_controller`, at time 0 and whenever events complete the controller
stops as many old tasks as the minimum allows, then launches as many new ones
as the maximum and the desired count allow; here each stop and each launch is
one task on one instance, chosen the way ECS chooses: stops from the instance
with the most tasks of the service, launches by the service's strategy (spread
or binpack), one at a time, each seeing the ones placed before it. A launch
that fits nowhere waits for the next event. Tasks only move forward (old to
stopping to gone, pending to new), so the run always ends: at the goal, or
stuck with nothing left to wait for.

Managed scaling: a launch that fits on no instance in service goes, where one
fits, on an instance already asked for (it waits for it), else ECS asks its
group for one more (`scale_out`, up to maxCount); the task is pending
(PROVISIONING, counted toward the maximum) from then, and healthy health-check
seconds after the instance's warm-up ends.
"""

from __future__ import annotations

from verifier.explicit.placement_graph import layout_trace
from verifier.model.placement import BINPACK, Placement
from verifier.placement_semantics import (
    SCALE_OUT,
    Layout,
    PlacedAction,
    binpack_choice,
    fits,
    is_goal,
    moved,
    scale_out_helps,
    spread_choice,
    stop_choice,
    total,
)
from verifier.schedules.ecs_controller import EcsRun
from verifier.semantics import Deployment, counted


def simulate_placement(placement: Placement, deployment: Deployment, initial: Layout) -> EcsRun:
    """ECS's run from the initial placement: completes or stuck, its makespan, lowest healthy and peak."""
    bounds = deployment.bounds
    layout, now = initial, 0
    layouts, actions, times = [layout], [], [0]
    events: dict[int, list[PlacedAction]] = {}
    asked: dict[int, tuple[int, int]] = {}    # instance added -> (second asked for, second usable)

    def take(action: PlacedAction) -> None:
        nonlocal layout
        layout = moved(layout, action)
        layouts.append(layout)
        actions.append(action)
        times.append(now)

    while True:
        state = total(layout)
        for _ in range(min(state.old, state.old + state.new - bounds.min_healthy)):
            index = stop_choice(layout)
            assert index is not None  # fewer stops than old tasks are asked for
            take(PlacedAction("stop", 1, index))
            events.setdefault(now + deployment.drain_seconds, []).append(PlacedAction("gone", 1, index))
        state = total(layout)
        for _ in range(min(bounds.desired - state.pending - state.new, bounds.max_tasks - counted(bounds, state))):
            where, name = _launch_choice(placement, layout, now, asked)
            if where is None:
                break
            if name == SCALE_OUT:
                asked[where] = (now, now + placement.instances[where].warmup_seconds)
            usable = asked[where][1] if where in asked else now
            take(PlacedAction(name, 1, where))
            events.setdefault(usable + deployment.health_check_seconds, []).append(PlacedAction("ready", 1, where))
        if is_goal(bounds, layout) or not events:
            break
        now = min(events)
        for event in events.pop(now):
            take(event)
    trace = layout_trace(tuple(layouts), tuple(actions), tuple(times))
    completes = is_goal(bounds, layout)
    return EcsRun(
        completes=completes,
        makespan_seconds=now if completes else None,
        min_healthy_seen=min(state.healthy for state in trace.states),
        max_counted_seen=max(counted(bounds, state) for state in trace.states),
        max_occupied_seen=max(state.occupied for state in trace.states),
        trace=trace,
        scale_outs=tuple(asked[index] for index in sorted(asked)),
    )


def _launch_choice(placement: Placement, layout: Layout, now: int,
                   asked: dict[int, tuple[int, int]]) -> tuple[int | None, str]:
    """Where ECS places one more new task: by its strategy on the instances in service (an instance still
    warming up is hidden as not added yet); else on an instance already asked for where it fits (the
    lowest index); else on one more instance of the first group that can grow and where it fits."""
    warming = {index for index, (_, usable) in asked.items() if usable > now}
    in_service = tuple((0, 0, 0, 0) if index in warming else slot for index, slot in enumerate(layout))
    choose = binpack_choice if placement.strategy == BINPACK else spread_choice
    where = choose(placement, in_service)
    if where is not None:
        return where, "launch"
    coming = next((index for index in sorted(warming) if fits(placement, layout, index)), None)
    if coming is not None:
        return coming, "launch"
    for first, last in placement.reserve_spans:
        empty = next((index for index in range(first, last) if not any(layout[index])), None)
        if empty is not None and scale_out_helps(placement, empty):
            return empty, SCALE_OUT
    return None, "launch"


def not_started(deployment: Deployment, initial: Layout) -> EcsRun:
    """ECS's run where the old tasks do not all fit: it has no real start, so it is stuck at the tasks
    that were placed (never a run of new tasks into a cluster that lacks the old ones)."""
    state = total(initial)
    return EcsRun(completes=False, makespan_seconds=None, min_healthy_seen=state.healthy,
                  max_counted_seen=counted(deployment.bounds, state), max_occupied_seen=state.occupied,
                  trace=layout_trace((initial,), (), (0,)))
