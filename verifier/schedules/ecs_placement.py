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
"""

from __future__ import annotations

from verifier.explicit.placement_graph import layout_trace
from verifier.model.placement import BINPACK, Placement
from verifier.placement_semantics import (
    Layout,
    PlacedAction,
    binpack_choice,
    is_goal,
    moved,
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
            binpack = placement.strategy == BINPACK
            where = binpack_choice(placement, layout) if binpack else spread_choice(placement, layout)
            if where is None:
                break
            take(PlacedAction("launch", 1, where))
            events.setdefault(now + deployment.health_check_seconds, []).append(PlacedAction("ready", 1, where))
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
    )


def not_started(deployment: Deployment, initial: Layout) -> EcsRun:
    """ECS's run where the old tasks do not all fit: it has no real start, so it is stuck at the tasks
    that were placed (never a run of new tasks into a cluster that lacks the old ones)."""
    state = total(initial)
    return EcsRun(completes=False, makespan_seconds=None, min_healthy_seen=state.healthy,
                  max_counted_seen=counted(deployment.bounds, state), max_occupied_seen=state.occupied,
                  trace=layout_trace((initial,), (), (0,)))
