"""availability: healthy tasks never drop below the required minimum."""

from __future__ import annotations

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.model.records import Model
from verifier.properties import fault_smt
from verifier.properties.context import CheckContext
from verifier.properties.invariant import check_invariant
from verifier.properties.range_scan import RangeFinding, RangeScan, replayed_actions, scan_and_prove
from verifier.properties.smt_checks import check_invariant_smt
from verifier.results import PropertyId
from verifier.semantics import Action, Bounds
from verifier.smt.closed_forms import lowest_healthy

ID = PropertyId.AVAILABILITY
DESCRIPTION = "every reachable state keeps at least the required number of healthy tasks"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"


def applies(model: Model) -> bool:
    return True


def _required(ctx: CheckContext) -> str:
    wanted = ctx.model.requirements.min_healthy
    if wanted is not None:
        return f"the {ctx.required_min_healthy} that requirement minHealthy {wanted} asks for"
    return (f"the {ctx.bounds.min_healthy} that minimumHealthyPercent "
            f"{ctx.bounds.min_healthy_percent} requires")


def check(ctx: CheckContext) -> Finding:
    required = ctx.required_min_healthy
    lowest = ctx.explored.extremes()[0]
    return check_invariant(
        ctx, ID,
        ok=lambda state: state.healthy >= required,
        describe_violation=lambda state: f"healthy tasks drop to {state.healthy}, below {_required(ctx)}",
        holds_message=f"healthy tasks never drop below {lowest} (required: {required})",
        violated=lowest < required,
    )


def check_smt(ctx: CheckContext) -> Finding:
    required = ctx.required_min_healthy
    lowest = lowest_healthy(ctx.bounds)
    return check_invariant_smt(
        ctx, ID,
        bad=lambda state: state.healthy < required,
        describe_violation=lambda state: f"healthy tasks drop to {state.healthy}, below {_required(ctx)}",
        holds_message=f"healthy tasks never drop below {lowest} (required: {required})",
    )


def check_fault_smt(ctx: CheckContext) -> Finding:
    """A bad release (model.faults.any) under the smt engine: see verifier/properties/fault_smt.py."""
    return fault_smt.availability(ctx)


def check_range(scan: RangeScan) -> RangeFinding:
    """Flagged where min(D, L) is below the requirement; one stop from the start shows it."""
    if not scan.inductive:
        return scan.not_inductive(ID)
    requirements = scan.model.requirements

    def required(bounds: Bounds) -> int:
        return requirements.healthy_needed(bounds.desired, bounds.min_healthy)

    def witness(desired: int) -> Counterexample:
        bounds = scan.bounds(desired)
        need = required(bounds)
        actions = [] if need > desired else [Action("stop", desired - need + 1)]
        return replayed_actions(bounds, actions, lambda s: s.healthy < need, ID)

    term, facts = scan.requirement(requirements.min_healthy, scan.symbolic.bounds.min_healthy, round_up=True)
    return scan_and_prove(scan, ID, lambda b: lowest_healthy(b) < required(b), witness,
                          lambda x: x.old + x.new < term, facts, "healthy tasks drop below the minimum")
