"""The pipeline for a model with cluster.instances: initial placement -> placement graph -> ECS's run -> findings.

Only the explicit engine answers over instances; a graph beyond the state budget
makes the properties it decides unknown, with advice. The step plan and the
optimal timed schedule are not searched over instances: they report unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.explicit.placement_graph import explore_placement
from verifier.findings import Finding
from verifier.model.records import Model
from verifier.placement_semantics import initial_layout
from verifier.properties.placement_checks import PlacementContext, placement_findings
from verifier.schedules.ecs_controller import EcsRun
from verifier.schedules.ecs_placement import not_started, simulate_placement
from verifier.schedules.optimal import OptimalSchedule
from verifier.schedules.step_plan import StepPlan
from verifier.semantics import Bounds, deployment_of

NOT_SEARCHED = "not searched with cluster.instances"
# Bytes a placement search holds per layout: the layout, its successors and, for progress, its
# predecessors, growing with the instances (measured: about 0.6 KiB at 4 instances with progress
# decided, 1.3 KiB at 10 before it, plus the process itself); rounded up, so the memory budget holds.
BYTES_PER_LAYOUT = 400
BYTES_PER_LAYOUT_PER_INSTANCE = 200


def placement_budget(max_states: int, max_memory_mb: int | None, instances: int) -> int:
    """The layouts a search may visit: the state budget, or fewer where the memory budget ends it first."""
    if max_memory_mb is None:
        return max_states
    return min(max_states, max_memory_mb * 2**20 // (BYTES_PER_LAYOUT + BYTES_PER_LAYOUT_PER_INSTANCE * instances))


@dataclass(frozen=True, slots=True)
class PlacementOutcome:
    bounds: Bounds
    findings: tuple[Finding, ...]
    step_plan: StepPlan
    ecs: EcsRun
    optimal: OptimalSchedule
    states: int


def check_placement(model: Model, max_states: int) -> PlacementOutcome:
    placement = model.placement
    assert placement is not None  # called only for models with cluster.instances
    deployment = deployment_of(model.settings)
    bounds = deployment.bounds
    initial, problem = initial_layout(placement, bounds.desired)
    graph = None if problem is not None else explore_placement(placement, bounds, initial, max_states)
    ecs = simulate_placement(placement, deployment, initial) if problem is None else not_started(deployment, initial)
    findings = placement_findings(PlacementContext(model, bounds, graph, problem, ecs, max_states))
    return PlacementOutcome(
        bounds=bounds,
        findings=findings,
        step_plan=StepPlan(None, (), (), None, (), (), complete=False, skipped=True, certificate=""),
        ecs=ecs,
        optimal=OptimalSchedule(None, (), False, 0, 0, skipped=True, reason=NOT_SEARCHED),
        states=graph.states if graph is not None else 0,
    )
