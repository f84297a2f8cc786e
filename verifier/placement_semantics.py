"""The per-instance rules of docs/semantics.md#placement, defined once: guards, unit moves, ECS's choices.

A placement state (a `Layout`) is one (old, stopping, pending, new) count per
instance, in file order; the count state of verifier/semantics.py is its sum,
and every rule there applies to the sum unchanged. What this module adds is
where each task is: a task is placed only where the instance's CPU, memory,
host ports and distinctInstance still hold, and a stopping task keeps all of
them until it is gone. Each move here is one task on one instance, so the
explorer's graph has one edge per choice of instance.

Managed scaling: a group that may grow (max_count above count) has its addable
instances at the end of the layout, empty. Only new tasks ever go on one, and new
tasks never leave during a deployment, so an addable instance is added exactly
when it holds a task: no flag is needed, and an empty one is not usable. The
`scale_out` move adds one, with the task that could not be placed pending on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from verifier.format import plural
from verifier.model.placement import Placement
from verifier.semantics import LAUNCH, STOP, Action, Bounds, State, blocked_reasons

# (old, stopping, pending, new) on one instance, and one of those per instance.
Slot: TypeAlias = tuple[int, int, int, int]
Layout: TypeAlias = tuple[Slot, ...]

OLD, NEW = "old", "new"


@dataclass(frozen=True, slots=True)
class PlacedAction(Action):
    """One unit move on one instance (0-based here, numbered from 1 wherever a person reads it)."""

    instance: int = 0

    def __str__(self) -> str:
        return f"{self.name} on instance {self.instance + 1}"


def total(layout: Layout) -> State:
    """The count state: the sums over every instance."""
    old = stopping = pending = new = 0
    for slot in layout:
        old += slot[0]
        stopping += slot[1]
        pending += slot[2]
        new += slot[3]
    return State(old, stopping, pending, new)


def tasks_on(slot: Slot) -> int:
    """Tasks of the service on one instance, stopping ones included (they hold their resources)."""
    return sum(slot)


def canonical(placement: Placement, layout: Layout) -> Layout:
    """Each group's per-instance counts sorted (largest first): identical instances are interchangeable,
    so two layouts that differ only by renumbering them have the same futures. This is exact."""
    spans = placement.group_spans
    if len(spans) == 1 and not placement.reserve_spans:
        return tuple(sorted(layout, reverse=True))
    parts: list[Slot] = []
    # Addable instances are sorted apart from the ones the group has now: an empty one is not usable.
    for first, last in spans + placement.reserve_spans:
        parts += sorted(layout[first:last], reverse=True)
    return tuple(parts)


def _free(placement: Placement, slot: Slot, index: int) -> tuple[int, int]:
    group = placement.instances[index]
    olds, news = slot[0] + slot[1], slot[2] + slot[3]
    return (group.free_cpu - olds * placement.old_task.cpu - news * placement.task.cpu,
            group.free_memory - olds * placement.old_task.memory - news * placement.task.memory)


def free_resources(placement: Placement, layout: Layout, index: int) -> tuple[int, int]:
    """(CPU units, MiB) still free on instance `index`: reservations and stopping tasks hold theirs."""
    return _free(placement, layout[index], index)


def is_absent(placement: Placement, slot: Slot, index: int) -> bool:
    """An instance the group may gain by managed scaling and has not gained yet."""
    return index >= placement.first_reserve and not any(slot)


def _refusal(placement: Placement, slot: Slot, index: int, revision: str) -> tuple[str, int, int] | None:
    """The first rule that one more task of `revision` on this instance would break, with its numbers
    (rule, port or free amount, amount needed); None when it fits. The one definition of the rules."""
    if is_absent(placement, slot, index):
        return ("absent", 0, 0)
    return _resource_refusal(placement, slot, index, revision)


def _resource_refusal(placement: Placement, slot: Slot, index: int, revision: str) -> tuple[str, int, int] | None:
    new_task, old_task = placement.task, placement.old_task
    size = new_task if revision == NEW else old_task
    olds, news = slot[0] + slot[1], slot[2] + slot[3]
    if placement.distinct_instance and olds + news >= 1:
        return ("distinct", 0, 0)
    for port in size.host_ports:
        if (olds and port in old_task.host_ports) or (news and port in new_task.host_ports):
            return ("port", port, 0)
    cpu, memory = _free(placement, slot, index)
    if size.memory > memory:
        return ("memory", memory, size.memory)
    if size.cpu > cpu:
        return ("cpu", cpu, size.cpu)
    return None


def fits(placement: Placement, layout: Layout, index: int, revision: str = NEW) -> bool:
    return _refusal(placement, layout[index], index, revision) is None


def fit_problem(placement: Placement, layout: Layout, index: int, revision: str = NEW) -> str | None:
    """Why one more task of `revision` cannot go on instance `index`, in plain words; None when it fits."""
    refused = _refusal(placement, layout[index], index, revision)
    if refused is None:
        return None
    rule, have, need = refused
    number = index + 1
    if rule == "absent":
        return f"instance {number} is not added yet (managed scaling)"
    if rule == "distinct":
        return f"instance {number} already holds a task of the service (distinctInstance)"
    if rule == "port":
        return f"instance {number} already holds port {have}"
    unit = "MiB" if rule == "memory" else "CPU units"
    return f"instance {number} has {have} {unit} free, the {revision} task needs {need}"


def _changed(layout: Layout, index: int, delta: Slot) -> Layout:
    slot = layout[index]
    moved = (slot[0] + delta[0], slot[1] + delta[1], slot[2] + delta[2], slot[3] + delta[3])
    return layout[:index] + (moved,) + layout[index + 1:]


# The four unit moves' effects on one instance; their guards are in `unit_moves`: the count rules of
# verifier/semantics.py on the sums, and `_refusal` on the instance a task is placed on.
EFFECTS: dict[str, Slot] = {"stop": (-1, 1, 0, 0), "launch": (0, 0, 1, 0), "ready": (0, 0, -1, 1),
                            "gone": (0, -1, 0, 0), "scale_out": (0, 0, 1, 0)}
SCALE_OUT = "scale_out"


def scale_out_helps(placement: Placement, index: int) -> bool:
    """Whether the new task fits on an empty instance like `index` (else adding one cannot place it)."""
    return _resource_refusal(placement, (0, 0, 0, 0), index, NEW) is None


def moved(layout: Layout, action: PlacedAction) -> Layout:
    return _changed(layout, action.instance, EFFECTS[action.name])


def unit_moves(placement: Placement, bounds: Bounds, layout: Layout,
               skip_twins: bool = False) -> Iterator[tuple[str, int, Layout]]:
    """Every enabled unit move, as (name, instance, layout it leads to); the explorer's inner loop.

    `skip_twins`: for a canonical layout, an instance with the same counts as the one before it in
    its group has the same moves up to renumbering, so only the first of them is tried.
    """
    state = total(layout)
    stop_ok = STOP.enabled(bounds, state, 1)
    launch_ok = LAUNCH.enabled(bounds, state, 1)
    instances, first_reserve = placement.instances, placement.first_reserve
    # scale_out: the count rules allow a launch, it fits on no usable instance, and the group can grow.
    scale = (launch_ok and first_reserve < len(layout)
             and all(_refusal(placement, slot, i, NEW) is not None for i, slot in enumerate(layout)))
    for index, slot in enumerate(layout):
        if (skip_twins and index and slot == layout[index - 1] and instances[index] is instances[index - 1]
                and index != first_reserve):
            continue
        if index >= first_reserve and not any(slot):
            if scale and scale_out_helps(placement, index):
                yield SCALE_OUT, index, _changed(layout, index, EFFECTS[SCALE_OUT])
            continue
        old, stopping, pending, _ = slot
        if old and stop_ok:
            yield "stop", index, _changed(layout, index, EFFECTS["stop"])
        if launch_ok and _refusal(placement, slot, index, NEW) is None:
            yield "launch", index, _changed(layout, index, EFFECTS["launch"])
        if pending:
            yield "ready", index, _changed(layout, index, EFFECTS["ready"])
        if stopping:
            yield "gone", index, _changed(layout, index, EFFECTS["gone"])


def moves(placement: Placement, bounds: Bounds, layout: Layout) -> Iterator[tuple[PlacedAction, Layout]]:
    """Every enabled unit move on numbered instances and the layout it leads to (not canonical)."""
    for name, index, after in unit_moves(placement, bounds, layout):
        yield PlacedAction(name, 1, index), after


def is_goal(bounds: Bounds, layout: Layout) -> bool:
    return total(layout) == State(0, 0, 0, bounds.desired)


def _zone_tasks(placement: Placement, layout: Layout) -> dict[str, int]:
    tasks: dict[str, int] = {}
    for group, slot in zip(placement.instances, layout, strict=True):
        tasks[group.zone] = tasks.get(group.zone, 0) + tasks_on(slot)
    return tasks


def spread_choice(placement: Placement, layout: Layout, revision: str = NEW) -> int | None:
    """Where ECS's spread puts one more task: the instance that fits with the fewest tasks of the service,
    ties to the zone with the fewest, then the lowest index; None when none fits."""
    zones = _zone_tasks(placement, layout)
    fitting = [i for i in range(len(layout)) if fits(placement, layout, i, revision)]
    return min(fitting, default=None,
               key=lambda i: (tasks_on(layout[i]), zones[placement.instances[i].zone], i))


def binpack_choice(placement: Placement, layout: Layout) -> int | None:
    """Where ECS's binpack puts one more new task: the instance that fits with the least free memory
    (reservations and stopping tasks included), ties to the lowest index; None when none fits."""
    fitting = [i for i in range(len(layout)) if fits(placement, layout, i)]
    return min(fitting, default=None, key=lambda i: (free_resources(placement, layout, i)[1], i))


def stop_choice(layout: Layout) -> int | None:
    """Which old task ECS stops: on the instance with the most tasks of the service (no zone tie-break),
    ties to the lowest index; None when no old task runs."""
    holding = [i for i, slot in enumerate(layout) if slot[0] >= 1]
    return min(holding, default=None, key=lambda i: (-tasks_on(layout[i]), i))


def initial_layout(placement: Placement, desired: int) -> tuple[Layout, str | None]:
    """The D old tasks placed one at a time by spread (whatever the strategy), and, when one does not
    fit, why (the layout then holds the ones that did)."""
    layout: Layout = tuple((0, 0, 0, 0) for _ in placement.instances)
    for placed in range(desired):
        index = spread_choice(placement, layout, OLD)
        if index is None:
            reasons = "; ".join(filter(None, (fit_problem(placement, layout, i, OLD)
                                              for i in range(placement.first_reserve))))
            return layout, (f"only {plural(placed, 'old task')} of {desired} fit on the instances: {reasons}")
        layout = _changed(layout, index, (1, 0, 0, 0))
    return layout, None


def blocked_sentences(placement: Placement, bounds: Bounds, layout: Layout) -> list[str]:
    """Why no scheduler move is enabled in `layout`: the count rules' reasons, and where the count rules
    would allow a launch, the reason each instance refuses the new task."""
    state = total(layout)
    reasons = [reason for reason in blocked_reasons(bounds, state)
               if not reason.startswith("no task is pending")]
    if LAUNCH.enabled(bounds, state, 1):
        reasons += [problem for i in range(len(layout)) if not is_absent(placement, layout[i], i)
                    and (problem := fit_problem(placement, layout, i))]
        reasons += scaling_limits(placement, layout)
    if state.pending == 0 and state.stopping == 0:
        reasons.append("no task is pending or stopping, so no event will change this")
    return reasons


def scaling_limits(placement: Placement, layout: Layout) -> list[str]:
    """Why managed scaling adds no instance here, one sentence per group that has it."""
    reasons = []
    for first, last in placement.reserve_spans:
        group = placement.instances[first]
        if not scale_out_helps(placement, first):
            reasons.append("managed scaling cannot help: the new task does not fit on an empty instance "
                           "of its group")
        elif all(any(slot) for slot in layout[first:last]):
            reasons.append(f"managed scaling has added all it may: its group is at maxCount {group.max_count}")
    return reasons


def describe_layout(layout: Layout, first_reserve: int | None = None) -> str:
    """Each instance's counts, numbered from 1: 'instance 1: 1 old, 1 new; ...'; instances from
    `first_reserve` on that are still empty are the ones managed scaling has not added, and are left out."""
    parts = []
    for index, (old, stopping, pending, new) in enumerate(layout):
        if first_reserve is not None and index >= first_reserve and not (old or stopping or pending or new):
            continue
        counts = [f"{value} {name}" for value, name in ((old, "old"), (stopping, "stopping"),
                                                         (pending, "pending"), (new, "new")) if value]
        parts.append(f"instance {index + 1}: {', '.join(counts) if counts else 'empty'}")
    return "; ".join(parts)
