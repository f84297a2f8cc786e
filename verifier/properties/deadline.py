"""deadline: the ECS controller finishes within the user's maxDeploySeconds."""

from __future__ import annotations

from typing import cast

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.format import duration
from verifier.model.records import Model
from verifier.properties.context import CheckContext
from verifier.properties.range_scan import FailingInterval, RangeFinding, RangeScan, describe_counts, intervals
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.schedules.ecs_controller import simulate
from verifier.semantics import deployment_of, goal_state

RANGE_WORK = 3_000_000   # ECS simulation steps spent on `deadline` over one range

ID = PropertyId.DEADLINE
DESCRIPTION = "the ECS controller's own run finishes within requirements.maxDeploySeconds"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(model: Model) -> bool:
    return model.requirements.max_deploy_seconds is not None


def check(ctx: CheckContext) -> Finding:
    limit = ctx.model.requirements.max_deploy_seconds
    assert limit is not None  # applies() only when maxDeploySeconds is given
    run = ctx.ecs
    goal = goal_state(ctx.bounds)
    if run.exhausted:
        return Finding(ID, Status.UNKNOWN, "ECS's run was not simulated to its end", details=(run.advice(),))
    if not run.completes:
        trace = replay(ctx.bounds, run.trace, lambda state: state != goal, ID, ctx.timeout_ms)
        return Finding(ID, Status.VIOLATED, f"ECS never finishes the deployment (limit {duration(limit)})", trace)
    if cast(int, run.makespan_seconds) > limit:  # a run that completes has a makespan
        # The run must really finish, and the time recorded at its last state is what is over the limit.
        times = run.trace.times or ()
        trace = replay(ctx.bounds, run.trace, lambda state: state == goal and bool(times) and times[-1] > limit,
                       ID, ctx.timeout_ms)
        return Finding(ID, Status.VIOLATED, f"ECS finishes after {duration(run.makespan_seconds)}, "
                       f"over the {duration(limit)} limit", trace)
    return Finding(ID, Status.HOLDS, f"ECS finishes after {duration(run.makespan_seconds)} "
                   f"(limit {duration(limit)})")


def check_range(scan: RangeScan) -> RangeFinding:
    """ECS's own run for each count of the range (no invariant bounds a time), within a work budget.

    The runs are simulated from the low end up; once RANGE_WORK recorded states
    are spent, the rest of the range is one unknown interval, however long.
    """
    limit = scan.model.requirements.max_deploy_seconds
    assert limit is not None  # applies() only when maxDeploySeconds is given
    failing: dict[int, Counterexample] = {}
    unknown: list[tuple[int, int]] = []
    work = 0
    for desired in scan.counts():
        if work >= RANGE_WORK:
            unknown.append((desired, scan.high))
            break
        run = simulate(deployment_of(scan.model.at(desired).settings), scan.timeout_ms, RANGE_WORK - work)
        work += len(run.trace.states)
        if run.exhausted:
            unknown.append((desired, desired))
        elif not run.completes or cast(int, run.makespan_seconds) > limit:
            failing[desired] = run.trace
    spans = tuple(FailingInterval(a, b, a, failing[a]) for a, b in intervals(list(failing)))
    unknown_spans = tuple(_joined(unknown))
    details = () if not unknown_spans else (
        f"ECS's runs are simulated one desired count at a time, {RANGE_WORK:,} recorded states in all; "
        "check a narrower desiredRange for the counts not settled",)
    if spans:
        return RangeFinding(ID, Status.VIOLATED, f"ECS misses the {limit} s limit for desiredCount in "
                            f"{describe_counts((s.low, s.high) for s in spans)}", spans, unknown_spans, details)
    if unknown_spans:
        return RangeFinding(ID, Status.UNKNOWN, "the ECS simulations ran out of their work budget for "
                            f"desiredCount in {describe_counts(unknown_spans)}", unknown=unknown_spans,
                            details=details)
    return RangeFinding(ID, Status.HOLDS, f"ECS finishes within {limit} s for every desiredCount in "
                        f"{scan.low}..{scan.high} (simulated for each)")


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for a, b in spans:
        if joined and a <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(b, joined[-1][1]))
        else:
            joined.append((a, b))
    return joined
