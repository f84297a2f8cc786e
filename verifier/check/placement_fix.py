"""`suggest` over cluster.instances: the fixes worth trying, each verified before it is offered.

The closed forms `suggest` uses for task slots do not know instances, so each candidate
here is checked by `verify` itself. The order of "smallest" (docs/semantics.md#placement):
first the percentages (a service setting, no infrastructure; the least total change in
percentage points among the candidates that prove), then dynamic host ports for the new
revision (a task definition change), then one more instance in a group or one more in a
scaling group's maxCount (an instance that costs money). Every verified fix is listed, in
that order, with what it costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from verifier.check.verify import Options, Result, verify
from verifier.errors import UsageError
from verifier.model.placement import InstanceGroup, Placement
from verifier.model.placement_slots import slots_on
from verifier.model.records import Model
from verifier.results import Verdict
from verifier.rounding import ceil_percent, floor_percent

MAX_PERCENT_CHECKS = 40   # candidate percentages verified before the search gives up (each one a verify)
PORTS_COST = ("the new revision's port mappings use hostPort 0 (dynamic ports): this needs the bridge network "
              "mode (awsvpc has no host ports, host mode binds the container port), and a load balancer target "
              "group that registers the dynamic ports (ECS does this for a service with a load balancer)")


@dataclass(frozen=True, slots=True)
class Percentages:
    min_healthy_percent: int
    max_percent: int
    total_change: int
    makespan_seconds: int | None


@dataclass(frozen=True, slots=True)
class PlacementFix:
    kind: str          # "dynamic ports", "one more instance", "larger maxCount"
    change: str        # what to change, in the model file's words
    cost: str          # what it costs
    makespan_seconds: int | None   # ECS's own run with the fix


def _proved(model: Model, timeout_ms: int) -> Result | None:
    try:
        result = verify(model, Options(timeout_ms=timeout_ms))
    except UsageError:   # a change the checker cannot check yet (a group that grows): not offered
        return None
    return result if result.verdict is Verdict.PROVED else None


def _nearest(desired: int, given: int, low: int, high: int, bound: Callable[[int, int], int]) -> dict[int, int]:
    """For each count the percentages give (L or U), the percentage nearest `given` that gives it."""
    best: dict[int, int] = {}
    for percent in range(low, high + 1):
        count = bound(desired, percent)
        if count not in best or abs(percent - given) < abs(best[count] - given):
            best[count] = percent
    return best


def percentages_fix(model: Model, timeout_ms: int) -> tuple[Percentages | None, str]:
    """The least total change of the two percentages that proves, or None with why. Only the counts
    L and U matter, so each (L, U) pair is tried once, at its nearest percentages, by total change;
    ties go to the higher minimum (more healthy tasks), then the lower maximum (fewer extra tasks)."""
    settings = model.settings
    d, p0, q0 = settings.desired, settings.min_healthy_percent, settings.max_percent
    placement = model.placement
    assert placement is not None  # called only for models with cluster.instances
    room = new_task_room(placement)
    if room is not None and room < d:   # the goal itself does not fit: no percentage changes that
        return None, (f"the instances hold at most {room} new tasks, and {d} are needed: no percentages help, "
                      "the cluster needs more or larger instances")
    minimums = _nearest(d, p0, 0, 100, ceil_percent)
    maximums = _nearest(d, q0, 100, 200, floor_percent)
    candidates = sorted((abs(p - p0) + abs(q - q0), -p, q) for p in minimums.values() for q in maximums.values()
                         if (p, q) != (p0, q0))
    for change, negative, q in candidates[:MAX_PERCENT_CHECKS]:
        p = -negative
        proved = _proved(replace(model, settings=replace(settings, min_healthy_percent=p, max_percent=q)),
                         timeout_ms)
        if proved is not None:
            return Percentages(p, q, change, proved.ecs.makespan_seconds), ""
    if len(candidates) > MAX_PERCENT_CHECKS:
        return None, (f"none of the {MAX_PERCENT_CHECKS} smallest changes of the percentages makes every "
                      "property hold (the rest were not tried)")
    return None, "no minimumHealthyPercent and maximumPercent make every property hold on these instances"


def new_task_room(placement: Placement) -> int | None:
    """The new tasks the instances hold with nothing else on them (None: nothing bounds them)."""
    one_each = bool(placement.task.host_ports) or placement.distinct_instance
    counts = [slots_on(group, placement.task, one_each) for group in placement.groups]
    if any(count is None for count in counts):
        return None
    return sum(group.count * (count or 0) for group, count in zip(placement.groups, counts, strict=True))


def _with_placement(model: Model, placement: Placement) -> Model:
    return replace(model, placement=placement)


def _groups_with(placement: Placement, index: int, group: InstanceGroup) -> tuple[InstanceGroup, ...]:
    return placement.groups[:index] + (group,) + placement.groups[index + 1:]


def _first_instance(placement: Placement, index: int) -> int:
    return placement.group_spans[index][0] + 1


def instance_fixes(model: Model, timeout_ms: int) -> list[PlacementFix]:
    """Dynamic ports for the new revision, then one more instance per group (or maxCount + 1), verified."""
    placement = model.placement
    assert placement is not None  # called only for models with cluster.instances
    found = []
    if placement.task.host_ports:
        dynamic = replace(placement, task=replace(placement.task, host_ports=()))
        proved = _proved(_with_placement(model, dynamic), timeout_ms)
        if proved is not None:
            ports = ", ".join(map(str, placement.task.host_ports))
            found.append(PlacementFix("dynamic ports", f"task.hostPorts: [{ports}] -> [] (hostPort 0)", PORTS_COST,
                                      proved.ecs.makespan_seconds))
    for index, group in enumerate(placement.groups):
        number = _first_instance(placement, index)
        kind = f" ({group.type})" if group.type else f" ({group.cpu} CPU units, {group.memory} MiB)"
        if group.max_count is not None:   # a scaling group: ask for a larger maximum
            grown = replace(group, max_count=max(group.max_count, group.count) + 1)
            change = f"the group of instance {number}: maxCount {group.max_count} -> {grown.max_count}"
            kind_of, cost = "larger maxCount", f"up to one more instance{kind} while the deployment needs it"
        else:
            grown = replace(group, count=group.count + 1)
            change = f"the group of instance {number}: count {group.count} -> {grown.count}"
            kind_of, cost = "one more instance", f"one more instance{kind}, for as long as it runs"
        proved = _proved(_with_placement(model, replace(placement, groups=_groups_with(placement, index, grown))),
                         timeout_ms)
        if proved is not None:
            found.append(PlacementFix(kind_of, change, cost, proved.ecs.makespan_seconds))
    return found
