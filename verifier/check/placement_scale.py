"""Placement beyond the explicit search: the exact reduction to task slots (docs/semantics.md#placement).

When the old and the new task have the same CPU, memory and host ports, every task
of the service is interchangeable, so instance i holds at most k_i tasks and a
launch fits somewhere iff the tasks there (stopping ones included) are fewer than
the sum of the k_i. The placement model is then exactly the count model with that
many task slots; docs/semantics.md#placement argues both directions. Where the sizes
differ, `bounded_check` decides what sound bounds settle and says so.
"""

from __future__ import annotations

from dataclasses import replace

from verifier.check.placement_verify import NOT_SEARCHED, PlacementOutcome
from verifier.model.placement import Placement
from verifier.model.placement_slots import slot_bounds
from verifier.model.records import Model
from verifier.placement_semantics import initial_layout
from verifier.properties.placement_bounds import bounded_findings, bounds_note
from verifier.properties.placement_checks import PlacementContext
from verifier.schedules.ecs_controller import EcsRun
from verifier.schedules.ecs_placement import simulate_placement
from verifier.schedules.optimal import OptimalSchedule
from verifier.schedules.step_plan import StepPlan
from verifier.semantics import deployment_of

# What the placement search answers in seconds (about 10 instances and 20 tasks, see
# benchmarks/bench_placement.py); beyond either, a model with one task size is reduced to slots.
EXPLICIT_INSTANCES = 10
EXPLICIT_TASKS = 20


def beyond_explicit(placement: Placement, desired: int) -> bool:
    """Too large for the placement search; a group that can grow (maxCount) stays with the placement check."""
    if any(group.max_count is not None and group.max_count > group.count for group in placement.groups):
        return False
    return len(placement.instances) > EXPLICIT_INSTANCES or desired > EXPLICIT_TASKS


def slot_model(model: Model, slots: int) -> Model:
    """The count model the placement model is exactly equal to: capacityTasks = `slots`."""
    return replace(model, placement=None, capacity_headroom=None,
                   settings=replace(model.settings, capacity=slots))


# Up to this many instances x tasks, ECS's own run is also simulated on the instances (well under a
# second), so the report shows each instance's tasks; its figures are the count run's (docs).
TRACE_WORK = 50_000


def placed_run(model: Model, counted: EcsRun) -> EcsRun:
    """ECS's run on the instances where that is cheap, else the count model's run (`counted`)."""
    placement = model.placement
    assert placement is not None  # called only for models with cluster.instances
    if len(placement.instances) * model.settings.desired > TRACE_WORK:
        return counted
    deployment = deployment_of(model.settings)
    initial, problem = initial_layout(placement, deployment.bounds.desired)
    return counted if problem is not None else simulate_placement(placement, deployment, initial)


def exact_note(slots: int) -> str:
    return f"exact: identical task sizes, {slots:,} task slots in total"


def bounded_check(model: Model, max_states: int) -> tuple[PlacementOutcome, str] | None:
    """Tasks of two sizes on a cluster beyond the search: verdicts from sound bounds and ECS's own run,
    with a note that says so; None when the old tasks do not fit (the placement check reports that)."""
    placement = model.placement
    assert placement is not None  # called only for models with cluster.instances
    deployment = deployment_of(model.settings)
    initial, problem = initial_layout(placement, deployment.bounds.desired)
    if problem is not None:
        return None
    low, high = slot_bounds(placement)
    ecs = simulate_placement(placement, deployment, initial)
    findings = bounded_findings(PlacementContext(model, deployment.bounds, None, None, ecs, max_states), low)
    outcome = PlacementOutcome(
        bounds=deployment.bounds, findings=findings,
        step_plan=StepPlan(None, (), (), None, (), (), complete=False, skipped=True, certificate=""),
        ecs=ecs, optimal=OptimalSchedule(None, (), False, 0, 0, skipped=True, reason=NOT_SEARCHED), states=0)
    return outcome, bounds_note(low, high)
