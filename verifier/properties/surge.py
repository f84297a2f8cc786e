"""surge: tasks counted toward maximumPercent never exceed the allowed maximum."""

from __future__ import annotations

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.format import plural
from verifier.model.records import Model
from verifier.properties import fault_smt
from verifier.properties.context import CheckContext
from verifier.properties.invariant import check_invariant
from verifier.properties.range_scan import RangeFinding, RangeScan, replayed_actions, scan_and_prove
from verifier.properties.smt_checks import check_invariant_smt
from verifier.results import PropertyId
from verifier.semantics import Action, Bounds, counted
from verifier.smt.closed_forms import highest_counted

ID = PropertyId.SURGE
DESCRIPTION = "every reachable state keeps the tasks counted toward maximumPercent within the maximum"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"


def applies(model: Model) -> bool:
    return True


def _allowed(ctx: CheckContext) -> str:
    wanted = ctx.model.requirements.max_tasks
    if wanted is not None:
        return f"the {ctx.required_max_tasks} that requirement maxTasks {wanted} allows"
    return f"the {ctx.bounds.max_tasks} that maximumPercent {ctx.bounds.max_percent} allows"


def _run_or_start(tasks: int) -> str:
    """`1 task runs or starts`, `3 tasks run or start`: the verb agrees with the count."""
    return f"{plural(tasks, 'task')} {'runs or starts' if tasks == 1 else 'run or start'}"


def check(ctx: CheckContext) -> Finding:
    allowed = ctx.required_max_tasks
    bounds = ctx.bounds
    highest = ctx.explored.extremes()[2]
    return check_invariant(
        ctx, ID,
        ok=lambda state: counted(bounds, state) <= allowed,
        describe_violation=lambda state: f"{_run_or_start(counted(bounds, state))} at once, above {_allowed(ctx)}",
        holds_message=f"at most {_run_or_start(highest)} at once (allowed: {allowed})",
        violated=highest > allowed,
    )


def check_smt(ctx: CheckContext) -> Finding:
    allowed = ctx.required_max_tasks
    bounds = ctx.bounds
    return check_invariant_smt(
        ctx, ID,
        bad=lambda state: counted(bounds, state) > allowed,
        describe_violation=lambda state: f"{_run_or_start(counted(bounds, state))} at once, above {_allowed(ctx)}",
        holds_message=f"tasks running or starting never exceed {allowed}",
    )


def check_fault_smt(ctx: CheckContext) -> Finding:
    """A bad release (model.faults.any) under the smt engine: see verifier/properties/fault_smt.py."""
    return fault_smt.surge(ctx)


def check_range(scan: RangeScan) -> RangeFinding:
    """Flagged where max(D, min(U, 2D, C)) exceeds the limit; one launch from the start shows it."""
    if not scan.inductive:
        return scan.not_inductive(ID)
    requirements = scan.model.requirements

    def allowed(bounds: Bounds) -> int:
        return requirements.tasks_allowed(bounds.desired, bounds.max_tasks)

    def witness(desired: int) -> Counterexample:
        bounds = scan.bounds(desired)
        limit = allowed(bounds)
        actions = [] if desired > limit else [Action("launch", limit - desired + 1)]
        return replayed_actions(bounds, actions, lambda s: counted(bounds, s) > limit, ID)

    term, facts = scan.requirement(requirements.max_tasks, scan.symbolic.bounds.max_tasks, round_up=False)
    return scan_and_prove(scan, ID, lambda b: highest_counted(b) > allowed(b), witness,
                          lambda x: counted(scan.symbolic.bounds, x) > term, facts,
                          "more tasks run or start than allowed")
