"""The gate over the instances a template defines: which placement a service is checked on, and its fixes.

A service whose template sizes its cluster (verifier/ingest/capacity.py) is
checked over those instances at its one desired count; a policy's capacity
(capacityTasks, capacityHeadroomTasks) replaces the template's. A fix is
verified the same way: the largest minimumHealthyPercent below the current
one that makes every property hold, the smallest maximumPercent above it,
and one more instance in the template's first group.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from verifier.ci.policy import Overrides
from verifier.ingest import ServiceSpec
from verifier.model.placement import Placement
from verifier.model.records import Model
from verifier.results import Verdict

if TYPE_CHECKING:  # the verify pipeline loads the engines; only its result type is named here
    from verifier.check.verify import Result

MAX_SURGE_TRIED = 4   # tasks above the current maximum that a fix may allow
# A range of desired counts is checked over instances one count at a time, up to this many counts
# (an autoscaling range of a small cluster); a wider range is checked under unlimited capacity, said so.
MAX_COUNTS_OVER_INSTANCES = 20
NOT_USED = (f"the template's instances are checked at one desired count, or each of at most "
            f"{MAX_COUNTS_OVER_INSTANCES} counts, and not under a policy's faults: release")


def placement_for(spec: ServiceSpec, overrides: Overrides, desired_range: tuple[int, int] | None) -> Placement | None:
    """The instances the service is checked on: the policy's `instances:` with the template's task, else the
    template's own; None on Fargate, under the policy's task slots or faults: release, or for a range of
    counts (`each_count` checks a small range one count at a time)."""
    derived = spec.capacity
    if derived is None or spec.fargate or overrides.faults is not None or desired_range is not None \
            or overrides.capacity is not None or overrides.capacity_headroom is not None:
        return None
    if overrides.instances is not None:
        if derived.task is None:
            return None
        return Placement(overrides.instances, derived.task, derived.task, derived.distinct_instance, derived.strategy)
    return derived.placement


def _policy_words(placement: Placement) -> str:
    groups = " + ".join(f"{g.count} x {g.type or 'instance'} ({g.cpu} CPU units, {g.memory} MiB registered each)"
                        for g in placement.groups)
    task = placement.task
    ports = f", host ports {', '.join(map(str, task.host_ports))}" if task.host_ports else ""
    return f"capacity {groups} from the policy's instances; task {task.cpu} CPU units, {task.memory} MiB{ports}"


def capacity_words(spec: ServiceSpec, model: Model) -> str | None:
    """What capacity the answer assumed when the template or policy gives instances; None to say it as before."""
    derived = spec.capacity
    if derived is None or spec.fargate or model.capacity_headroom is not None or model.settings.capacity is not None:
        return None
    if model.placement is not None and model.placement != derived.placement:
        return _policy_words(model.placement)
    if not derived.assumption:  # the file defines the task only, and the policy gives no instances
        return None
    if model.placement is not None or derived.placement is None:
        return derived.assumption
    return f"capacity assumed unlimited: {NOT_USED} ({derived.assumption.removeprefix('capacity ')})"


def each_count(spec: ServiceSpec, overrides: Overrides, model: Model) -> list[Model]:
    """The models to check: over instances, a range of at most MAX_COUNTS_OVER_INSTANCES desired counts
    becomes one model per count (the placement check takes one count); else `model` alone."""
    if model.desired_range is None or model.placement is not None:
        return [model]
    low, high = model.desired_range
    placement = placement_for(spec, overrides, None)
    if placement is None or high - low + 1 > MAX_COUNTS_OVER_INSTANCES:
        return [model]
    return [replace(model.at(count), placement=placement) for count in range(low, high + 1)]


def worst(results: list[Result]) -> Result:
    """The answer for a range checked one count at a time: the first count that fails, else the first
    inconclusive one, else the highest count (all hold)."""
    for verdict in (Verdict.VIOLATED, Verdict.INCONCLUSIVE):
        for result in results:
            if result.verdict is verdict:
                return result
    return results[-1]


def counts_note(model: Model) -> str:
    """What a gate row checked one count at a time says about it."""
    if model.desired_range is None:
        return ""
    low, high = model.desired_range
    return (f"over instances each desired count {low}..{high} was checked on its own; the answer shown is the "
            "first count that fails, else the highest")


def _holds(model: Model, timeout_ms: int) -> bool:
    from verifier.check.verify import Options, verify
    from verifier.errors import UsageError
    from verifier.results import Verdict
    try:
        return verify(model, Options(timeout_ms=timeout_ms)).verdict is Verdict.PROVED
    except UsageError:  # a layout the placement check refuses (a group that grows) is no verified fix
        return False


def placement_fixes(model: Model, timeout_ms: int) -> tuple[list[tuple[int, int]], bool]:
    """Verified fixes over instances: (minimumHealthyPercent, maximumPercent) pairs, smallest change first,
    and whether one more instance in the first group makes every property hold."""
    from verifier.rounding import rounded_percent
    placement = model.placement
    assert placement is not None
    settings = model.settings
    desired, low, high = settings.desired, settings.min_healthy_percent, settings.max_percent
    found: list[tuple[int, int]] = []
    if desired > 0:
        # The largest minimum that keeps one task fewer healthy, then two, ...: each changes what ECS may stop.
        healthy = rounded_percent(desired, low, True)
        for keep in range(healthy - 1, -1, -1):
            percent = 100 * keep // desired   # the largest percent whose rounded-up bound is `keep`
            if _holds(replace(model, settings=replace(settings, min_healthy_percent=percent)), timeout_ms):
                found.append((percent, high))
                break
        running = rounded_percent(desired, high, False)
        for more in range(running + 1, running + 1 + MAX_SURGE_TRIED):
            percent = -(-100 * more // desired)  # the smallest percent whose rounded-down bound is `more`
            if _holds(replace(model, settings=replace(settings, max_percent=percent)), timeout_ms):
                found.append((low, percent))
                break
    first = placement.groups[0]
    larger = replace(first, count=first.count + 1,
                     max_count=None if first.max_count is None else max(first.max_count, first.count + 1))
    grown = replace(placement, groups=(larger,) + placement.groups[1:])
    return found, _holds(replace(model, placement=grown), timeout_ms)


def unplaced_note(spec: ServiceSpec, overrides: Overrides, model: Model) -> str:
    """Why the policy's `instances:` were not used for this service ('' when they were, or there are none)."""
    if overrides.instances is None or model.placement is not None or spec.fargate:
        return ""
    wide = model.desired_range is not None and \
        model.desired_range[1] - model.desired_range[0] + 1 > MAX_COUNTS_OVER_INSTANCES
    if overrides.faults is not None or wide:
        return "the policy's instances are not checked: " + NOT_USED.replace("the template's instances are", "they are")
    if overrides.capacity is None and overrides.capacity_headroom is None:
        return "the policy's instances are not checked: the service's task size cannot be read from its file"
    return ""
