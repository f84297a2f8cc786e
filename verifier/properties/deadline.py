"""deadline: the ECS controller finishes within the user's maxDeploySeconds."""

from __future__ import annotations

from verifier.properties.context import CheckContext
from verifier.replay import replay
from verifier.results import PropertyId
from verifier.findings import Finding
from verifier.results import Status
from verifier.format import duration
from verifier.semantics import goal_state

ID = PropertyId.DEADLINE
DESCRIPTION = "the ECS controller's own run finishes within requirements.maxDeploySeconds"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(ctx: CheckContext) -> bool:
    return ctx.model.requirements.max_deploy_seconds is not None


def check(ctx: CheckContext) -> Finding:
    limit = ctx.model.requirements.max_deploy_seconds
    run = ctx.ecs
    goal = goal_state(ctx.bounds)
    if not run.completes:
        trace = replay(ctx.bounds, run.trace, lambda state: state != goal, ID)
        return Finding(ID, Status.VIOLATED, f"ECS never finishes the deployment (limit {duration(limit)})", trace)
    if run.makespan_seconds > limit:
        # The run must really finish, and the time recorded at its last state is what is over the limit.
        trace = replay(ctx.bounds, run.trace, lambda state: state == goal and run.trace.times[-1] > limit, ID)
        return Finding(ID, Status.VIOLATED, f"ECS finishes after {duration(run.makespan_seconds)}, "
                       f"over the {duration(limit)} limit", trace)
    return Finding(ID, Status.HOLDS, f"ECS finishes after {duration(run.makespan_seconds)} "
                   f"(limit {duration(limit)})")
