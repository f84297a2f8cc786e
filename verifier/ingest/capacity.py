"""The cluster capacity a template defines for a service: its instances, its task's size and host ports.

CloudFormation (cfn_placement) and Terraform (tf_placement) read Auto Scaling
groups, launch templates, capacity providers and task definitions into the
same pieces here. What cannot be read (an instance type not in
verifier/model/instance_types.py, a size computed at deploy time) is never
guessed: the service is then checked under unlimited capacity and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.model.instance_types import registered
from verifier.model.placement import BINPACK, DEFAULT_WARMUP_SECONDS, SPREAD, InstanceGroup, Placement, TaskSize


class NotDerived(Exception):
    """Why the template's capacity cannot be read statically."""


@dataclass(frozen=True, slots=True)
class DerivedCapacity:
    """The placement a template defines, with the words that say where it comes from.

    `placement` is None when the template names instances it does not size (`why` says what is missing).
    """

    placement: Placement | None
    assumption: str
    why: str = ""
    # Where one more instance goes: ("AutoScalingGroup X DesiredCapacity", its line, the MaxSize it also needs,
    # the file when it is not the service's).
    grow: tuple[str, int | None, str, str | None] = ("", None, "", None)
    # The task as the file defines it, for instances a policy gives: None when its size cannot be read.
    task: TaskSize | None = None
    distinct_instance: bool = False
    strategy: str = SPREAD


@dataclass(frozen=True, slots=True)
class Group:
    """One Auto Scaling group that joins the cluster, as read from the template."""

    name: str                   # logical id or Terraform address
    line: int | None
    count: int                  # DesiredCapacity, else MinSize
    max_size: int | None
    instance_type: str
    managed_scaling: bool = False
    warmup_seconds: int = DEFAULT_WARMUP_SECONDS
    size_key: str = "DesiredCapacity"   # the setting that gave `count`, to change for one more instance
    max_key: str = "MaxSize"
    file: str | None = None             # where the group is written, when not in the service's file


@dataclass(frozen=True, slots=True)
class Container:
    cpu: int
    memory: int | None            # Memory, else MemoryReservation (what ECS reserves on the instance)
    ports: tuple[tuple[int, int | None], ...]   # (containerPort, hostPort as written)


_VCPU = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*vcpu\s*$", re.I)
_GB = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*gb\s*$", re.I)


def cpu_units(value: object, what: str) -> int:
    """Task-level CPU: units ("256", 256) or vCPUs ("1 vCPU" is 1024 units)."""
    if isinstance(value, str) and _VCPU.match(value):
        return int(float(_VCPU.match(value).group(1)) * 1024)  # type: ignore[union-attr]
    return whole(value, what)


def mebibytes(value: object, what: str) -> int:
    """Task-level memory: MiB ("512", 512) or GB ("1 GB" is 1024 MiB, as ECS reads it)."""
    if isinstance(value, str) and _GB.match(value):
        return int(float(_GB.match(value).group(1)) * 1024)  # type: ignore[union-attr]
    return whole(value, what)


def whole(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise NotDerived(f"{what} is {value!r}, not a number")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and value >= 0:
        return int(value)
    raise NotDerived(f"{what} is {value!r}, not a whole number")


def task_size(task_cpu: int | None, task_memory: int | None, containers: list[Container],
              network_mode: str) -> TaskSize:
    """The task's size and static host ports.

    Without task-level sizes, the containers' add up (Memory, else MemoryReservation: what ECS reserves).
    Host ports: in `host` mode each container port is bound on the instance; in `bridge` mode a host port
    of 0 or none is dynamic; `awsvpc` gives every task its own network interface, so no host port is shared.
    """
    cpu = task_cpu if task_cpu is not None else sum(c.cpu for c in containers)
    if task_memory is None:
        if not containers or any(c.memory is None for c in containers):
            raise NotDerived("the task definition gives no task-level Memory and a container has neither Memory "
                             "nor MemoryReservation")
        task_memory = sum(c.memory or 0 for c in containers)
    ports: list[int] = []
    if network_mode == "host":
        ports = [host or container for c in containers for container, host in c.ports]
    elif network_mode == "bridge":
        ports = [host for c in containers for _, host in c.ports if host]
    elif network_mode not in ("awsvpc", "none"):
        raise NotDerived(f"NetworkMode {network_mode!r} is not awsvpc, host, bridge or none")
    return TaskSize(cpu, task_memory, tuple(sorted(set(ports))))


def strategy_of(types: list[str]) -> str:
    """ECS's own placement strategy: the first binpack or spread the service names (spread when none)."""
    for kind in types:
        if kind.lower() == "binpack":
            return BINPACK
        if kind.lower() == "spread":
            return SPREAD
    return SPREAD


def task_only(task: TaskSize, distinct: bool, strategy: str) -> DerivedCapacity:
    """The task of a service whose file defines no instances: a policy's `instances:` can place it."""
    return DerivedCapacity(None, "", task=task, distinct_instance=distinct, strategy=strategy)


def derived(groups: list[Group], task: TaskSize, distinct: bool, strategy: str, what: str) -> DerivedCapacity:
    """The placement of `groups` with `task` (the old revision is the same: a template holds one revision)."""
    sized: list[InstanceGroup] = []
    words: list[str] = []
    for group in groups:
        written = f"{group.file} line" if group.file else "template line"
        where = f"{what} {group.name}".strip() + (f" ({written} {group.line})" if group.line else "")
        size = registered(group.instance_type)
        if size is None:
            why = (f"instance type {group.instance_type} of {where} is not in rollproof's table of instance types, "
                   "so its capacity is unknown")
            return DerivedCapacity(None, f"capacity assumed unlimited: {why}", why)
        scaling = group.managed_scaling and group.max_size is not None and group.max_size > group.count
        sized.append(InstanceGroup(group.count, size[0], size[1], type=group.instance_type,
                                   max_count=group.max_size if scaling else None,
                                   warmup_seconds=group.warmup_seconds))
        grows = f", managed scaling up to {group.max_size} after {group.warmup_seconds} s" if scaling else ""
        words.append(f"{group.count} x {group.instance_type} ({size[0]} CPU units, {size[1]} MiB registered each"
                     f"{grows}) from {where}")
    if not sized or all(g.count == 0 and g.max_count is None for g in sized):
        why = "the Auto Scaling groups that join the cluster start with no instances"
        return DerivedCapacity(None, f"capacity assumed unlimited: {why}", why)
    task_words = f"task {task.cpu} CPU units, {task.memory} MiB" + (
        f", host ports {', '.join(map(str, task.host_ports))}" if task.host_ports else "")
    placement = Placement(tuple(sized), task, task, distinct_instance=distinct, strategy=strategy)
    first = groups[0]
    return DerivedCapacity(placement, "capacity " + " + ".join(words) + f"; {task_words}",
                           task=task, distinct_instance=distinct, strategy=strategy,
                           grow=(f"{what} {first.name} {first.size_key}".strip(), first.line,
                                 f", and {first.max_key} {first.max_size} -> {first.count + 1}"
                                 if first.max_size is not None and first.max_size <= first.count else "", first.file))
