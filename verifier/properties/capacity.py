"""capacity: the tasks of the service, stopping ones included, fit the cluster's free slots."""

from __future__ import annotations

from ..context import CheckContext
from ..findings import Finding, Status
from .invariant import check_invariant

ID = "capacity"
DESCRIPTION = "every reachable state, the initial one included, fits in the cluster's task slots"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(ctx: CheckContext) -> bool:
    return True


def check(ctx: CheckContext) -> Finding:
    capacity = ctx.bounds.capacity
    if capacity is None:
        return Finding(ID, Status.HOLDS, "no capacity limit was given (unlimited, as on Fargate)")
    highest = max(state.occupied for state in ctx.exploration.graph)
    return check_invariant(
        ctx, ID,
        ok=lambda state: state.occupied <= capacity,
        describe_violation=lambda state: (f"{state.occupied} tasks hold slots at once, more than the "
                                          f"{capacity} the cluster has"),
        holds_message=f"at most {highest} of the cluster's {capacity} task slots are used",
    )
