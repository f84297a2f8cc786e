"""steps: some step plan finishes the deployment within the user's maxSteps rounds."""

from __future__ import annotations

from verifier.findings import Finding
from verifier.model.records import Model
from verifier.properties import steps_range
from verifier.properties.context import CheckContext
from verifier.properties.range_scan import RangeFinding, RangeScan
from verifier.results import PropertyId, Status

ID = PropertyId.STEPS
DESCRIPTION = "the fewest-step plan needs at most requirements.maxSteps steps"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(model: Model) -> bool:
    return model.requirements.max_steps is not None


def check(ctx: CheckContext) -> Finding:
    limit = ctx.model.requirements.max_steps
    assert limit is not None  # applies() only when maxSteps is given
    plan = ctx.step_plan
    if plan.min_steps is None and plan.upper_steps is not None and plan.upper_steps <= limit:
        return Finding(ID, Status.HOLDS, f"a plan of {plan.upper_steps} steps exists (limit {limit}; "
                       f"{plan.certificate})")
    if plan.certificate and plan.min_steps is not None:
        if plan.min_steps > limit:
            return Finding(ID, Status.VIOLATED, f"every plan needs at least {plan.min_steps} steps, over the "
                           f"limit of {limit} ({plan.certificate})")
        return Finding(ID, Status.HOLDS, f"{plan.min_steps} steps suffice (limit {limit})")
    if plan.certificate and plan.lower_steps is not None and plan.lower_steps > limit:
        return Finding(ID, Status.VIOLATED, f"every plan needs at least {plan.lower_steps} steps, over the "
                       f"limit of {limit} ({plan.certificate})")
    if not plan.complete:
        if plan.certificate:   # at scale: the certificate says how far the figures are known, and why
            return Finding(ID, Status.UNKNOWN, f"the fewest steps are not known exactly: {plan.certificate}",
                           details=("check a smaller desiredCount, where every step plan is searched",))
        reason = "was not run: the settled states are beyond the budget" if plan.skipped else "stopped at its budget"
        return Finding(ID, Status.UNKNOWN, f"the step-plan search {reason}", details=(ctx.budget_advice(),))
    if plan.min_steps is None and plan.certificate:
        return Finding(ID, Status.VIOLATED, f"{plan.certificate} (limit {limit} steps)")
    if plan.min_steps is None:
        return Finding(ID, Status.VIOLATED, f"no step plan finishes the deployment at all (limit {limit} steps)")
    shown = ", ".join(str(step) for step in plan.steps)
    if plan.min_steps > limit:
        return Finding(ID, Status.VIOLATED, f"every plan needs at least {plan.min_steps} steps, over the "
                       f"limit of {limit}; a shortest one: {shown}")
    return Finding(ID, Status.HOLDS, f"{plan.min_steps} steps suffice (limit {limit}): {shown}")


def check_range(scan: RangeScan) -> RangeFinding:
    """The fewest steps in closed form, cut into pieces of the range (`steps_range`)."""
    return steps_range.check_range(scan)
