"""deadline: the ECS controller finishes within the user's maxDeploySeconds."""

from __future__ import annotations

from typing import cast

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.format import duration
from verifier.model.records import Model
from verifier.properties.context import CheckContext
from verifier.properties.count_spans import Span, union
from verifier.properties.range_scan import FailingInterval, RangeFinding, RangeScan, describe_counts
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.schedules.ecs_controller import simulate
from verifier.schedules.ecs_pieces import MAX_ROUNDS, Piece, ecs_pieces
from verifier.semantics import deployment_of, goal_state

SHOWN_SPANS = 20   # failing spans of a range shown, each with ECS's own run at its first count

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
    """ECS's run as a function of the desired count (`ecs_pieces`): its pieces, not its counts, are checked.

    On each piece the run completes or not for every count, and its makespan
    is affine in the count, so the counts over the limit are a whole or
    periodic span found by arithmetic. Each failing span is shown with ECS's
    own run at its first count, simulated and replayed on its own; a run that
    disagrees with its piece is left unknown, never reported as either.
    """
    limit = scan.model.requirements.max_deploy_seconds
    assert limit is not None  # applies() only when maxDeploySeconds is given
    over: list[Span] = []
    unknown: list[Span] = []
    runs = ecs_pieces(scan.model, scan.low, None if scan.open_ended else scan.high)
    for run in runs:
        piece = run.piece
        if run.unknown:
            unknown.append(_span(scan, piece, piece.lo, piece.hi))
            continue
        makespan = run.makespan
        lo, hi = piece.lo, piece.hi
        if makespan is not None:   # the counts whose makespan a*t + c exceeds the limit
            a, c = makespan.a, makespan.c
            if a > 0:
                lo = max(lo, (limit - c) // a + 1)
            elif a < 0:
                hi = -((limit - c) // -a) - 1 if hi is None else min(hi, -((limit - c) // -a) - 1)
            elif c <= limit:
                continue
        if hi is None or lo <= hi:
            over.append(_span(scan, piece, lo, hi))
    failing: list[FailingInterval] = []
    spans = union(over)
    for span in spans[:SHOWN_SPANS]:
        trace = _witness(scan, span.low, limit)
        if trace is None:
            unknown.append(span)
        else:
            failing.append(FailingInterval(span.low, span.high, span.low, trace, period=span.period, width=span.width))
    details = [f"ECS's run is computed as {len(runs):,} pieces of the range, each one run for all its counts"]
    if scan.open_ended and spans:
        details.append(f"failing counts are listed up to {scan.high:,}")
    if len(spans) > SHOWN_SPANS:
        details.append(f"{len(spans) - SHOWN_SPANS:,} more failing spans are not shown")
    unknown_spans = tuple((s.low, s.high) for s in union(unknown))
    if unknown_spans:
        details.append(f"ECS's runs took more than {MAX_ROUNDS:,} rounds in all, or a shown run disagreed; "
                       "check a narrower desiredRange for the counts not settled")
    if failing:
        return RangeFinding(ID, Status.VIOLATED, f"ECS misses the {limit} s limit for desiredCount in "
                            f"{describe_counts(s.span for s in failing)}", tuple(failing), unknown_spans,
                            tuple(details))
    if unknown_spans:
        return RangeFinding(ID, Status.UNKNOWN, "ECS's run was not settled for desiredCount in "
                            f"{describe_counts(unknown_spans)}", unknown=unknown_spans, details=tuple(details))
    return RangeFinding(ID, Status.HOLDS, f"ECS finishes within {limit} s for every desiredCount "
                        f"{scan.where()} (its run computed for each piece of the range)",
                        details=tuple(details))


def _span(scan: RangeScan, piece: Piece, lo: int, hi: int | None) -> Span:
    """The counts of `piece` for t in lo..hi; with no upper end, listed up to the scan's `high`
    (or just the first, where that is past it)."""
    if hi is None:
        hi = max(lo, (scan.high - piece.offset) // piece.period)
    return Span(piece.count(lo), piece.count(hi), piece.period, 1)


def _witness(scan: RangeScan, desired: int, limit: int) -> Counterexample | None:
    """ECS's own run at `desired`, replayed to end stuck or late; None if it does neither."""
    bounds = scan.bounds(desired)
    run = simulate(deployment_of(scan.model.at(desired).settings), scan.timeout_ms)
    goal = goal_state(bounds)
    if run.exhausted:
        return None
    if not run.completes:
        return replay(bounds, run.trace, lambda state: state != goal, ID, scan.timeout_ms)
    if cast(int, run.makespan_seconds) <= limit:
        return None
    times = run.trace.times or ()
    return replay(bounds, run.trace, lambda state: state == goal and bool(times) and times[-1] > limit,
                  ID, scan.timeout_ms)
