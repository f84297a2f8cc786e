"""progress, availability, surge and capacity over the fault graph of a bad release (docs/semantics.md#faults).

The meanings are those of the count model's checks (progress.py,
availability.py, surge.py, capacity.py), asked of every reachable fault state;
what a bad release changes is written where it applies: the goal of a broken
revision is "rolled back", optional faults are never a way out, and with old
tasks crashing only the user's own minHealthy is a requirement. Every
counterexample is replayed through `fault_semantics` before it is reported.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.explicit.fault_graph import KIND, FaultGraph
from verifier.fault_semantics import (
    FAILED,
    FaultBounds,
    FaultState,
    counted,
    fault_blocked_reasons,
    fault_successors,
    is_goal,
)
from verifier.findings import Finding
from verifier.format import plural
from verifier.model.records import Model
from verifier.properties.context import CheckContext
from verifier.replay import replay_faults
from verifier.results import PropertyId, Status

CUT_SHORT = "the search stopped at its budget, so a shorter counterexample may exist; this one is real (replayed)"


def budget_advice(graph: FaultGraph, max_states: int) -> str:
    return (f"the search of the bad release's states stopped at {graph.states:,} states, within the budget of "
            f"{max_states:,} states; raise it with --max-states (and --max-memory-mb: the search keeps a few "
            "hundred bytes per state) or check a smaller desiredCount")


def goal_words(model: Model) -> str:
    """What a finished deployment is for this release."""
    if model.faults.broken:
        return "a rollback to the old revision"
    if model.faults.new_revision == "flaky":
        return "a completed or rolled-back deployment"
    return "a completed deployment"


def is_dead_end(fb: FaultBounds, state: FaultState) -> bool:
    """Not a goal, and no step that must happen is left (an optional fault is no way out)."""
    return not is_goal(fb, state) and all(optional for _, _, optional in fault_successors(fb, state))


def _safety(ctx: CheckContext, graph: FaultGraph, property_id: PropertyId, bad: Callable[[FaultState], bool],
            describe: Callable[[FaultState], str], holds: str, violated: bool, max_states: int,
            details: tuple[str, ...] = ()) -> Finding:
    """The shape every safety check shares: the nearest bad state, replayed; else holds or unknown."""
    if violated:
        place = graph.first(bad)
        assert place is not None  # the peaks say a bad state was found
        trace = replay_faults(graph.fb, graph.trace_to(place), bad, property_id)
        end = trace.fault_states[-1]
        return Finding(property_id, Status.VIOLATED, describe(end), trace,
                       details + (() if graph.complete else (CUT_SHORT,)))
    if not graph.complete:
        return Finding(property_id, Status.UNKNOWN, f"no violation among the {graph.states:,} states of the bad "
                       "release explored, but not every reachable state was explored",
                       details=(budget_advice(graph, max_states),))
    return Finding(property_id, Status.HOLDS, holds, details=details)


def availability(ctx: CheckContext, graph: FaultGraph, max_states: int) -> Finding:
    """With old tasks crashing, only requirements.minHealthy is checked (a crash may take any
    service below ECS's own minimum); the lowest healthy count is reported either way."""
    wanted, lowest = ctx.model.requirements.min_healthy, graph.lowest_healthy
    reach = f"the lowest healthy count any run of the bad release reaches is {lowest}"
    if lowest < ctx.bounds.desired:
        dip = replay_faults(graph.fb, graph.lowest_healthy_trace(), lambda s: s.healthy == lowest,
                            PropertyId.AVAILABILITY)
        reach += f", after {', '.join(map(str, dip.actions))}"
    if ctx.model.faults.old_task_crashes and wanted is None:
        if not graph.complete:
            return Finding(PropertyId.AVAILABILITY, Status.HOLDS,
                           "nothing to check: with oldTaskCrashes only requirements.minHealthy is required",
                           details=(f"the lowest healthy count among the {graph.states:,} states explored is "
                                    f"{lowest}",))
        return Finding(PropertyId.AVAILABILITY, Status.HOLDS,
                       f"healthy tasks never drop below {lowest} (nothing required: with oldTaskCrashes only "
                       "requirements.minHealthy is checked)", details=(reach,))
    required = ctx.required_min_healthy
    source = (f"the {required} that requirement minHealthy {wanted} asks for" if wanted is not None else
              f"the {required} that minimumHealthyPercent {ctx.bounds.min_healthy_percent} requires")
    return _safety(ctx, graph, PropertyId.AVAILABILITY, lambda s: s.healthy < required,
                   lambda s: f"healthy tasks drop to {s.healthy}, below {source}",
                   f"healthy tasks never drop below {lowest} (required: {required})",
                   lowest < required, max_states, (reach,) if graph.complete else ())


def surge(ctx: CheckContext, graph: FaultGraph, max_states: int) -> Finding:
    allowed, bounds = ctx.required_max_tasks, ctx.bounds
    wanted = ctx.model.requirements.max_tasks
    source = (f"the {allowed} that requirement maxTasks {wanted} allows" if wanted is not None else
              f"the {allowed} that maximumPercent {bounds.max_percent} allows")
    return _safety(ctx, graph, PropertyId.SURGE, lambda s: counted(bounds, s) > allowed,
                   lambda s: f"{plural(counted(bounds, s), 'task')} run or start at once, above {source}",
                   f"at most {plural(graph.peak_counted, 'task')} run or start at once (allowed: {allowed})",
                   graph.peak_counted > allowed, max_states)


def capacity(ctx: CheckContext, graph: FaultGraph | None, max_states: int) -> Finding:
    """Without a capacity limit nothing is searched (`graph` may be None)."""
    slots = ctx.bounds.capacity
    if slots is None:
        return Finding(PropertyId.CAPACITY, Status.HOLDS, "no capacity limit was given (unlimited, as on Fargate)")
    assert graph is not None, "a capacity limit is checked over the fault graph"
    return _safety(ctx, graph, PropertyId.CAPACITY, lambda s: s.occupied > slots,
                   lambda s: f"{s.occupied} tasks hold slots at once, more than the {slots} the cluster has",
                   f"at most {graph.peak_occupied} of the cluster's {plural(slots, 'task slot')} "
                   f"{'is' if graph.peak_occupied == 1 else 'are'} used", graph.peak_occupied > slots, max_states)


def describe(state: FaultState) -> str:
    parts = [f"{state.old} old", f"{state.new} new"]
    for count, words in ((state.pending, "pending"), (state.stopping, "stopping"),
                         (state.old_pending, "old pending"), (state.new_stopping, "new stopping")):
        if count:
            parts.append(f"{count} {words}")
    return ", ".join(parts) + " tasks"


def _ended(fb: FaultBounds, state: FaultState, steps: int) -> str:
    if state.phase == FAILED:
        healthy = f"{plural(state.old, 'old healthy task')}" + (f" and {state.new} new" if state.new else "")
        tripped = fb.threshold is not None and state.failures >= fb.threshold
        why = (f"the circuit breaker tripped at {plural(state.failures, 'failure')} and does not roll back"
               if tripped else "an alarm failed it and does not roll back")
        return f"the deployment ends FAILED half way with {healthy}: {why}"
    if steps == 0:
        return f"the deployment can never finish: it can end in a deadlock with {describe(state)}"
    return f"the deployment can get stuck: deadlock with {describe(state)}"


def progress(ctx: CheckContext, graph: FaultGraph, max_states: int) -> Finding:
    """A goal must stay reachable from every reachable state through steps that must happen."""
    fb, pid = graph.fb, PropertyId.PROGRESS
    if not graph.complete:
        dead = graph.dead_ends()
        if dead:
            trace = replay_faults(fb, graph.trace_to(dead[0]), lambda s: is_dead_end(fb, s), pid)
            end = trace.fault_states[-1]
            return Finding(pid, Status.VIOLATED, _ended(fb, end, len(trace.actions)), trace,
                           tuple(fault_blocked_reasons(fb, end)) + (CUT_SHORT,))
        return Finding(pid, Status.UNKNOWN, f"no dead end among the {graph.states:,} states of the bad release "
                       "explored, but not every reachable state was explored",
                       details=(budget_advice(graph, max_states),))
    finishes = graph.can_finish()
    stuck = [place for place in range(graph.states) if not finishes[place]]
    if not stuck:
        return Finding(pid, Status.HOLDS, f"all {graph.states:,} reachable states can still reach "
                       f"{goal_words(ctx.model)}, without counting on a fault that need not happen")
    no_return = stuck[0]   # breadth-first order: the nearest state from which no goal is reachable
    to_stuck = graph.steps_to(no_return)
    ends = set(graph.dead_ends())

    def finished_not(state: FaultState) -> bool:
        place = graph.place_of(state)
        return place is not None and not finishes[place]

    details: list[str] = []
    onward = [] if no_return in ends else graph.path_between(no_return, ends.__contains__)
    if onward is not None:
        trace = replay_faults(fb, graph.trace_of(0, to_stuck + onward), lambda s: is_dead_end(fb, s), pid)
        end = trace.fault_states[-1]
        message = _ended(fb, end, len(to_stuck))
        details += fault_blocked_reasons(fb, end)
        failed = [graph.state(place) for place in ends if graph.state(place).phase == FAILED]
        if failed:
            worst = min(failed, key=lambda s: s.healthy)
            details.append(f"a FAILED deployment can be left with as few as {plural(worst.healthy, 'healthy task')} "
                           f"({describe(worst)})")
    else:
        lasso = graph.lasso(no_return)
        assert lasso is not None  # no dead end is reachable, so every state has a required step
        to_cycle, cycle = lasso
        steps = to_stuck + to_cycle
        trace = replay_faults(fb, graph.trace_of(0, steps + cycle, apart=len(steps)), finished_not, pid)
        looping = trace.fault_states[-1]
        relaunches = any(kind == KIND["fail"] for kind, _ in cycle)
        why = "ECS relaunches failing tasks for ever" if relaunches else \
            "the deployment can run for ever without finishing"
        message = f"never ends: {why}, with {plural(looping.healthy, 'healthy task')} ({describe(looping)})"
        repeating = len(trace.actions) - len(graph.trace_of(0, steps).actions)
        details.append(f"the last {plural(repeating, 'step')} of the trace come back to where they started and "
                       "can repeat for ever")
    if to_stuck:
        details.insert(0, f"from {describe(graph.state(no_return))} on, {goal_words(ctx.model)} can no longer "
                       "be reached")
    return Finding(pid, Status.VIOLATED, message, trace, tuple(details))


FAULT_CHECKS: dict[PropertyId, Callable[[CheckContext, FaultGraph, int], Finding]] = {
    PropertyId.AVAILABILITY: availability,
    PropertyId.SURGE: surge,
    PropertyId.CAPACITY: capacity,
    PropertyId.PROGRESS: progress,
}
