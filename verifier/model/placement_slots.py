"""Task slots: how many tasks of the service instances hold, exactly or as bounds (docs/semantics.md#placement).

k = min(floor(free CPU / task CPU), floor(free memory / task memory)) per instance, and at
most 1 when the task binds a host port or distinctInstance holds. With one task size for
both revisions this is exact; with two, `slot_bounds` gives a pessimistic count (every
task as large as the larger in each resource, every port bound: one more task of either
revision fits on some instance whenever fewer are there) and an optimistic one (every
task as small as the smaller, only the ports both bind: no instance ever holds more).
"""

from __future__ import annotations

from verifier.model.placement import InstanceGroup, Placement, TaskSize


def slots_on(group: InstanceGroup, size: TaskSize, one_each: bool) -> int | None:
    """k: the tasks of `size` one instance of `group` holds at most; None when nothing bounds it."""
    room = [(group.free_cpu, size.cpu), (group.free_memory, size.memory)]
    most = min((have // need for have, need in room if need > 0), default=None)
    if one_each:   # two such tasks on one instance would share a port or break distinctInstance
        most = 1 if most is None else min(most, 1)
    return None if most is None else max(most, 0)


def _total(placement: Placement, size: TaskSize, one_each: bool) -> int | None:
    counts = [slots_on(group, size, one_each) for group in placement.groups]
    if any(count is None for count in counts):
        return None
    return sum(group.count * count for group, count in zip(placement.groups, counts, strict=True) if count)


def one_size(placement: Placement) -> bool:
    task, old = placement.task, placement.old_task
    return (task.cpu, task.memory, sorted(task.host_ports)) == (old.cpu, old.memory, sorted(old.host_ports))


def task_slots(placement: Placement) -> int | None:
    """The sum of k_i when both revisions have one size (CPU, memory and host ports); None otherwise,
    or when nothing bounds the tasks per instance (no CPU, no memory, no port)."""
    if not one_size(placement):
        return None
    return _total(placement, placement.task, bool(placement.task.host_ports) or placement.distinct_instance)


def slot_bounds(placement: Placement) -> tuple[int, int | None]:
    """(pessimistic, optimistic) task slots over both revisions; the optimistic one None when unbounded."""
    task, old = placement.task, placement.old_task
    larger = TaskSize(max(task.cpu, old.cpu), max(task.memory, old.memory))
    smaller = TaskSize(min(task.cpu, old.cpu), min(task.memory, old.memory))
    any_port = bool(task.host_ports or old.host_ports) or placement.distinct_instance
    shared_port = bool(set(task.host_ports) & set(old.host_ports)) or placement.distinct_instance
    low = _total(placement, larger, any_port)
    return (0 if low is None else low), _total(placement, smaller, shared_port)
