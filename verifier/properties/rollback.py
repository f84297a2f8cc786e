"""rollback: in ECS's own run a bad release is detected and fully rolled back within maxRollbackSeconds."""

from __future__ import annotations

from verifier.findings import Finding
from verifier.format import duration
from verifier.model.faults import FLAKY, HEALTHY
from verifier.model.records import Model
from verifier.properties.context import CheckContext
from verifier.properties.range_scan import RangeFinding, RangeScan
from verifier.results import PropertyId, Status
from verifier.schedules.ecs_faults import (
    COMPLETED,
    NEVER_COMPLETES,
    ROLLED_BACK,
    RUN_FAILED,
    fault_run,
)
from verifier.schedules.ecs_faults_text import describe_fault_run

ID = PropertyId.ROLLBACK
DESCRIPTION = ("in ECS's own run a bad release is detected and rolled back (D healthy old tasks, no new "
               "task) within requirements.maxRollbackSeconds of the deployment's start")
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html"


def applies(model: Model) -> bool:
    return model.requirements.max_rollback_seconds is not None


def check(ctx: CheckContext) -> Finding:
    limit = ctx.model.requirements.max_rollback_seconds
    assert limit is not None  # applies() only when maxRollbackSeconds is given
    faults = ctx.model.faults
    if faults.new_revision == HEALTHY:
        return Finding(ID, Status.HOLDS, "the new revision is healthy: there is nothing to roll back "
                       f"(limit {duration(limit)})")
    run = ctx.fault_run
    assert run is not None, "verify computes ECS's run for every model with faults"
    details = (describe_fault_run(run, faults),)
    if run.exhausted:
        return Finding(ID, Status.UNKNOWN, "ECS's run with the bad release was not simulated to its end",
                       details=details + (run.advice(),))
    if faults.new_revision == FLAKY and run.outcome == COMPLETED:
        return Finding(ID, Status.HOLDS, f"the flaky revision's deployment completes after "
                       f"{duration(run.makespan_seconds)}: nothing to roll back", details=details)
    if run.outcome == ROLLED_BACK:
        rolled_back = run.rolled_back_at_seconds
        assert rolled_back is not None
        if rolled_back <= limit:
            return Finding(ID, Status.HOLDS, f"ECS rolls the bad release back after {duration(rolled_back)} "
                           f"(limit {duration(limit)})", details=details)
        return Finding(ID, Status.VIOLATED, f"ECS rolls the bad release back only after {duration(rolled_back)}, "
                       f"over the {duration(limit)} limit", details=details)
    return Finding(ID, Status.VIOLATED, f"ECS never rolls the bad release back ({_why(run.outcome)}; "
                   f"limit {duration(limit)})", details=details + _advice(ctx))


def _why(outcome: str | None) -> str:
    if outcome == RUN_FAILED:
        return "the deployment fails and stays half way: the breaker or alarm does not roll back"
    if outcome == NEVER_COMPLETES:
        return "nothing stops it: ECS relaunches failing tasks for ever"
    if outcome == COMPLETED:
        return "the deployment completes with the failing revision"
    return "the deployment gets stuck"


def _advice(ctx: CheckContext) -> tuple[str, ...]:
    settings = ctx.model.settings
    if settings.breaker is None and settings.alarms is None:
        return ("enable deploymentCircuitBreaker with rollback: true",)
    if (settings.breaker is None or not settings.breaker.rollback) and (
            settings.alarms is None or not settings.alarms.rollback):
        return ("set rollback: true on deploymentCircuitBreaker (or alarms)",)
    return ()


def check_range(scan: RangeScan) -> RangeFinding:
    """Over a desired range: a healthy revision holds at every count; a bad release is answered per count only.

    ECS's run with faults is simulated for one count at a time; rather than
    leave the property out of a range's answer, the range says so, with the
    run at its lowest count for a first figure.
    """
    limit = scan.model.requirements.max_rollback_seconds
    assert limit is not None  # applies() only when maxRollbackSeconds is given
    faults = scan.model.faults
    if faults.new_revision == HEALTHY:
        return RangeFinding(ID, Status.HOLDS, f"the new revision is healthy: there is nothing to roll back "
                            f"for any desiredCount {scan.where()}")
    lowest = fault_run(scan.model.at(scan.low).settings, faults)
    return RangeFinding(ID, Status.UNKNOWN, "rollback is checked for one desiredCount at a time, not over a "
                        "desiredRange", unknown=((scan.low, scan.high),),
                        details=(f"at desiredCount {scan.low}: {describe_fault_run(lowest, faults)}",
                                 "check the counts that matter with desiredCount"))
