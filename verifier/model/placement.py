"""Placement: the cluster as instances, the tasks' sizes and host ports (docs/semantics.md#placement).

A model gives either `capacityTasks` (interchangeable slots) or `cluster.instances`
with `task` and `oldTask` sizes; `Placement` is the second. Instances are numbered
in file order: groups in order, instances within a group in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_WARMUP_SECONDS = 300   # ECS managed scaling's instanceWarmupPeriod default
SPREAD = "spread"
BINPACK = "binpack"
STRATEGIES = (SPREAD, BINPACK)


@dataclass(frozen=True, slots=True)
class InstanceGroup:
    """`count` identical instances: what each registers with ECS, less what other tasks hold on it."""

    count: int
    cpu: int                  # CPU units registered per instance (1024 per vCPU)
    memory: int               # MiB registered per instance
    reserved_cpu: int = 0     # held on each instance by other tasks or the agent
    reserved_memory: int = 0
    zone: str = ""            # instances without a zone share one zone
    type: str | None = None   # the instance type the sizes were looked up from, if any
    # Managed scaling (a capacity provider's Auto Scaling group): up to `max_count` instances, each
    # new one usable `warmup_seconds` after ECS asks for it. None: the group never grows.
    max_count: int | None = None
    warmup_seconds: int = DEFAULT_WARMUP_SECONDS

    @property
    def free_cpu(self) -> int:
        return self.cpu - self.reserved_cpu

    @property
    def free_memory(self) -> int:
        return self.memory - self.reserved_memory


@dataclass(frozen=True, slots=True)
class TaskSize:
    """One revision's task: CPU units, MiB, and the static host ports it binds."""

    cpu: int
    memory: int
    host_ports: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Placement:
    groups: tuple[InstanceGroup, ...]
    task: TaskSize                 # the new revision
    old_task: TaskSize             # the running revision
    distinct_instance: bool = False
    strategy: str = SPREAD         # what ECS's own run does

    # Derived once (searches read them per state): one group per instance in file order, and the
    # [first, last) instance indices of each group. Instances a group may gain by managed scaling
    # (up to its max_count) come after every instance it has now, group by group: numbering the ones
    # that exist stays as in the file, and the state vector keeps one length (docs/semantics.md#placement).
    instances: tuple[InstanceGroup, ...] = field(init=False, compare=False, repr=False)
    group_spans: tuple[tuple[int, int], ...] = field(init=False, compare=False, repr=False)
    first_reserve: int = field(init=False, compare=False, repr=False)   # index of the first addable instance
    reserve_spans: tuple[tuple[int, int], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        spans, first = [], 0
        for group in self.groups:
            spans.append((first, first + group.count))
            first += group.count
        reserve, instances = [], [g for g in self.groups for _ in range(g.count)]
        for group in self.groups:
            extra = max(0, (group.max_count or group.count) - group.count)
            if extra:
                reserve.append((len(instances), len(instances) + extra))
                instances += [group] * extra
        object.__setattr__(self, "instances", tuple(instances))
        object.__setattr__(self, "group_spans", tuple(spans))
        object.__setattr__(self, "first_reserve", first)
        object.__setattr__(self, "reserve_spans", tuple(reserve))
