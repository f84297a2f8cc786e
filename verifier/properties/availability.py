"""availability: healthy tasks never drop below the required minimum."""

from __future__ import annotations

from verifier.properties.context import CheckContext
from verifier.results import PropertyId
from verifier.findings import Finding
from verifier.properties.smt_checks import check_invariant_smt
from verifier.properties.invariant import check_invariant

ID = PropertyId.AVAILABILITY
DESCRIPTION = "every reachable state keeps at least the required number of healthy tasks"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"


def applies(ctx: CheckContext) -> bool:
    return True


def _required(ctx: CheckContext) -> str:
    wanted = ctx.model.requirements.min_healthy
    if wanted is not None:
        return f"the {ctx.required_min_healthy} that requirement minHealthy {wanted} asks for"
    return (f"the {ctx.bounds.min_healthy} that minimumHealthyPercent "
            f"{ctx.bounds.min_healthy_percent} requires")


def check(ctx: CheckContext) -> Finding:
    required = ctx.required_min_healthy
    lowest = min(state.healthy for state in ctx.exploration.graph)
    return check_invariant(
        ctx, ID,
        ok=lambda state: state.healthy >= required,
        describe_violation=lambda state: f"healthy tasks drop to {state.healthy}, below {_required(ctx)}",
        holds_message=f"healthy tasks never drop below {lowest} (required: {required})",
    )


def check_smt(ctx: CheckContext) -> Finding:
    required = ctx.required_min_healthy
    lowest = min(ctx.bounds.desired, ctx.bounds.min_healthy)
    return check_invariant_smt(
        ctx, ID,
        bad=lambda state: state.healthy < required,
        describe_violation=lambda state: f"healthy tasks drop to {state.healthy}, below {_required(ctx)}",
        holds_message=f"healthy tasks never drop below {lowest} (required: {required})",
    )
