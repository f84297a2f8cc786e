"""Properties over instances beyond the placement search, from sound bounds (docs/semantics.md#placement).

Where the old and new task differ in size, tasks are not interchangeable and no slot
count is exact. Each verdict here is still sound: `availability` and `surge` follow from
invariants of the count rules (healthy never below L, counted never above max(U, D)),
`progress` holds by the argument in the docs when D and L fit the pessimistic slot
count, and anything violated is shown by ECS's own run over the instances, a real run.
What neither settles is unknown, with advice.
"""

from __future__ import annotations

from verifier.findings import Finding
from verifier.format import plural
from verifier.placement_semantics import describe_layout
from verifier.properties.placement_checks import PlacementContext, placement_findings
from verifier.results import PropertyId, Status

ADVICE = ("the tasks differ in size, so the instances are not interchangeable slots and the cluster is too "
          "large for the placement search; check a smaller cluster of the same shape, or give both revisions "
          "one size to get an exact answer")


def bounds_note(low: int, high: int | None) -> str:
    most = "no upper bound" if high is None else f"at most {high:,}"
    return (f"sound bounds: the tasks differ in size; the instances hold at least {low:,} tasks of either "
            f"revision in any mix, {most} of the smaller; verdicts hold for every placement")


def bounded_findings(ctx: PlacementContext, low: int) -> tuple[Finding, ...]:
    """Every property of `placement_findings`, with availability, surge and progress decided from the
    pessimistic slot count `low` and ECS's own run (`ctx.graph` is None: nothing was searched)."""
    replaced = {PropertyId.AVAILABILITY: _availability(ctx), PropertyId.SURGE: _surge(ctx),
                PropertyId.PROGRESS: _progress(ctx, low)}
    return tuple(replaced.get(finding.property_id, finding) for finding in placement_findings(ctx))


def _availability(ctx: PlacementContext) -> Finding:
    bounds, run = ctx.bounds, ctx.ecs
    needed = ctx.model.requirements.healthy_needed(bounds.desired, bounds.min_healthy)
    if needed <= bounds.min_healthy:   # no stop leaves fewer than L healthy, and D >= L at the start
        return Finding(PropertyId.AVAILABILITY, Status.HOLDS, f"healthy tasks never drop below {needed}: "
                       f"no stop leaves fewer than {bounds.min_healthy} healthy, on any placement")
    if run.min_healthy_seen < needed:
        return Finding(PropertyId.AVAILABILITY, Status.VIOLATED, f"ECS's own run drops to {run.min_healthy_seen} "
                       f"healthy tasks, below the {needed} required", run.trace)
    return Finding(PropertyId.AVAILABILITY, Status.UNKNOWN, f"ECS's own run keeps {needed} healthy, other "
                   "placements are not searched", details=(ADVICE,))


def _surge(ctx: PlacementContext) -> Finding:
    bounds, run = ctx.bounds, ctx.ecs
    allowed = ctx.model.requirements.tasks_allowed(bounds.desired, bounds.max_tasks)
    most = max(bounds.max_tasks, bounds.desired)   # launches stay within U; nothing else adds counted tasks
    if most <= allowed:
        return Finding(PropertyId.SURGE, Status.HOLDS, f"at most {allowed} tasks count toward the maximum, "
                       "on any placement")
    if run.max_counted_seen > allowed:
        return Finding(PropertyId.SURGE, Status.VIOLATED, f"ECS's own run counts {run.max_counted_seen} tasks "
                       f"toward the maximum, above the {allowed} allowed", run.trace)
    return Finding(PropertyId.SURGE, Status.UNKNOWN, f"ECS's own run stays within {allowed}, other placements "
                   "are not searched", details=(ADVICE,))


def _progress(ctx: PlacementContext, low: int) -> Finding:
    bounds, run = ctx.bounds, ctx.ecs
    strategy = ctx.model.placement.strategy if ctx.model.placement else "spread"
    if not run.completes and not run.exhausted:
        end = run.trace.instances[-1] if run.trace.instances else None
        where = f": it ends with {describe_layout(end)}" if end is not None else ""
        return Finding(PropertyId.PROGRESS, Status.VIOLATED, f"ECS's own run ({strategy}) gets stuck, a "
                       f"certainty{where}", run.trace, ("violated even with the most favourable sizes: this "
                                                        "is the run ECS makes",))
    d, low_healthy, most = bounds.desired, bounds.min_healthy, bounds.max_tasks
    if d <= low and d <= most and (low_healthy == 0 or (low_healthy < most and low_healthy < low)):
        return Finding(PropertyId.PROGRESS, Status.HOLDS, "every placement can still finish the deployment: "
                       f"holds even with every task as large as the larger revision ({plural(low, 'task slot')} "
                       f"for {d} tasks, at least {low_healthy} kept healthy)")
    return Finding(PropertyId.PROGRESS, Status.UNKNOWN, f"ECS's own run ({strategy}) finishes, but "
                   f"{plural(low, 'task slot')} for the larger revision do not show that every placement can",
                   details=(ADVICE,))
