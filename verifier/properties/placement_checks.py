"""The properties over the placement graph (docs/semantics.md#placement): same ids, same meaning, per instance.

`availability` and `surge` are the count rules over the sums; `capacity` is every
instance's CPU, memory, ports and distinctInstance, which the moves keep by
construction, so only the initial placement can break it; `progress` fails where
some reachable layout (reached by any choice of instances) can no longer reach the
goal, and says whether ECS's own run with its strategy gets stuck too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verifier.explicit.placement_graph import (
    PlacementGraph,
    concrete_trace,
    goal_reachers,
    layout_trace,
    path_onward,
)
from verifier.findings import Finding
from verifier.format import duration, plural
from verifier.model.records import Model
from verifier.placement_semantics import blocked_sentences, describe_layout, is_goal, total
from verifier.results import PropertyId, Status
from verifier.schedules.ecs_controller import EcsRun
from verifier.semantics import Bounds, State, counted


@dataclass(frozen=True, slots=True)
class PlacementContext:
    model: Model
    bounds: Bounds
    graph: PlacementGraph | None     # None when the old tasks do not fit (nothing to explore)
    initial_problem: str | None      # why the initial placement fails, when it does
    ecs: EcsRun
    max_states: int

    @property
    def placement_advice(self) -> str:
        return (f"the placement search stopped at its budget of {self.max_states:,} states; raise it with "
                "--max-states and --max-memory-mb (each state holds a few KiB), or describe fewer "
                "instances or tasks (identical instances in one group are searched once)")


def placement_findings(ctx: PlacementContext) -> tuple[Finding, ...]:
    requirements = ctx.model.requirements
    needed = requirements.healthy_needed(ctx.bounds.desired, ctx.bounds.min_healthy)
    allowed = requirements.tasks_allowed(ctx.bounds.desired, ctx.bounds.max_tasks)
    findings = [
        _invariant(ctx, PropertyId.AVAILABILITY, lambda s: s.healthy >= needed,
                   lambda s: f"healthy tasks drop to {s.healthy}, below the {needed} required",
                   f"healthy tasks never drop below {needed}"),
        _invariant(ctx, PropertyId.SURGE, lambda s: counted(ctx.bounds, s) <= allowed,
                   lambda s: f"{counted(ctx.bounds, s)} tasks count toward the maximum, above the {allowed} allowed",
                   f"at most {allowed} tasks count toward the maximum"),
        _capacity(ctx),
        _progress(ctx),
    ]
    if requirements.max_deploy_seconds is not None:
        findings.append(_deadline(ctx, requirements.max_deploy_seconds))
    if requirements.max_steps is not None:
        findings.append(Finding(PropertyId.STEPS, Status.UNKNOWN, "the fewest steps are not searched with "
                                "cluster.instances yet", details=("check maxSteps in a model with capacityTasks",)))
    return tuple(findings)


def _no_start(ctx: PlacementContext, prop: PropertyId) -> Finding:
    return Finding(prop, Status.UNKNOWN, "not checked: the old tasks do not fit on the instances, "
                   "so the deployment has no real starting state")


def _invariant(ctx: PlacementContext, prop: PropertyId, ok: Callable[[State], bool],
               describe: Callable[[State], str], holds: str) -> Finding:
    graph, placement = ctx.graph, ctx.model.placement
    assert placement is not None  # placement checks run only for models with cluster.instances
    if graph is None:
        return _no_start(ctx, prop)
    bad = next((layout for layout in graph.parents if not ok(total(layout))), None)
    if bad is not None:
        trace = concrete_trace(placement, ctx.bounds, graph, graph.path_to(bad))
        return Finding(prop, Status.VIOLATED, describe(total(bad)), trace,
                       (describe_layout(trace.instances[-1], placement.first_reserve),))
    if not graph.complete:
        return Finding(prop, Status.UNKNOWN, f"holds in the {graph.states:,} states explored, not all of them",
                       details=(ctx.placement_advice,))
    return Finding(prop, Status.HOLDS, f"{holds} in any of the {plural(graph.states, 'reachable placement')}")


def _capacity(ctx: PlacementContext) -> Finding:
    if ctx.initial_problem is not None:
        initial = ctx.graph.initial if ctx.graph is not None else ctx.ecs.trace.instances[0]
        return Finding(PropertyId.CAPACITY, Status.VIOLATED, f"the old tasks do not fit: {ctx.initial_problem}",
                       layout_trace((initial,), ()))
    return Finding(PropertyId.CAPACITY, Status.HOLDS, "every instance's CPU, memory, host ports (and "
                   "distinctInstance) hold: in the initial placement, and every move keeps them")


def _progress(ctx: PlacementContext) -> Finding:
    graph, bounds, placement = ctx.graph, ctx.bounds, ctx.model.placement
    assert placement is not None  # placement checks run only for models with cluster.instances
    if graph is None:
        return _no_start(ctx, PropertyId.PROGRESS)
    if graph.complete:
        finishing = goal_reachers(graph, bounds)
        stuck = next((layout for layout in graph.parents if layout not in finishing), None)
    else:   # cut short: only a dead end already met is evidence (nothing moves there, ever)
        stuck = next((layout for layout, following in graph.successors.items()
                      if not following and not is_goal(bounds, layout)), None)
        if stuck is None:
            return Finding(PropertyId.PROGRESS, Status.UNKNOWN, f"no dead end among the {graph.states:,} "
                           "placements explored, but they are not all that are reachable",
                           details=(ctx.placement_advice,))
    if stuck is None:
        reachable = plural(graph.states, "reachable placement")
        return Finding(PropertyId.PROGRESS, Status.HOLDS, f"each of the {reachable} can still finish the deployment")
    trace = concrete_trace(placement, bounds, graph, graph.path_to(stuck))
    end = trace.instances[-1]
    steps = len(trace.actions)
    state = total(end)
    where = f"{state.old} old, {state.new} new tasks ({describe_layout(end, placement.first_reserve)})"
    message = (f"the deployment is stuck at the start: {where}" if steps == 0 else
               f"the deployment can get stuck: after {steps} move{'s' * (steps != 1)} the goal is out of "
               f"reach with {where}")
    details = tuple(blocked_sentences(placement, bounds, end))
    if graph.successors[stuck]:
        # Tasks only move forward, so every way on from here ends in a dead end: show the nearest,
        # numbered as the trace numbers its instances, with what blocks it.
        onward = path_onward(graph, stuck, lambda layout: not graph.successors.get(layout, True))
        details = ("every way on from here ends where the goal cannot be reached",)
        if onward is not None:
            dead = concrete_trace(placement, bounds, graph, graph.path_to(stuck) + onward[1:]).instances[-1]
            details += (f"the nearest dead end: {describe_layout(dead, placement.first_reserve)}",) + tuple(
                f"  {reason}" for reason in blocked_sentences(placement, bounds, dead))
    return Finding(PropertyId.PROGRESS, Status.VIOLATED, message, trace, details + (_certainty(ctx),))


def _certainty(ctx: PlacementContext) -> str:
    strategy = ctx.model.placement.strategy if ctx.model.placement else "spread"
    if ctx.ecs.completes:
        return (f"ECS's own run ({strategy}) finishes: this stuck state is reached only by unlucky placement, "
                "a risk rather than a certainty")
    end = ctx.ecs.trace.instances[-1]
    first_reserve = ctx.model.placement.first_reserve if ctx.model.placement else None
    return (f"ECS's own run ({strategy}) gets stuck too, a certainty: it ends with "
            f"{describe_layout(end, first_reserve)}")


def _deadline(ctx: PlacementContext, limit: int) -> Finding:
    run = ctx.ecs
    if not run.completes:
        return Finding(PropertyId.DEADLINE, Status.VIOLATED,
                       f"ECS never finishes the deployment (limit {duration(limit)})", run.trace)
    assert run.makespan_seconds is not None  # a run that completes has a makespan
    if run.makespan_seconds > limit:
        return Finding(PropertyId.DEADLINE, Status.VIOLATED, f"ECS finishes after {duration(run.makespan_seconds)}, "
                       f"over the {duration(limit)} limit", run.trace)
    return Finding(PropertyId.DEADLINE, Status.HOLDS,
                   f"ECS finishes after {duration(run.makespan_seconds)} (limit {duration(limit)})")

