"""The model file's `cluster.instances`, `task`, `oldTask` and `placement`, validated (docs/semantics.md#placement).

Sizes are CPU units and MiB, as ECS registers them; an instance `type` is looked
up in `instance_types` and its `cpu:` or `memory:` override the table.
"""

from __future__ import annotations

from typing import Any

from verifier.model.fields import choice, count, flag, mapping, suggest, text
from verifier.model.instance_types import INSTANCE_TYPES, registered
from verifier.model.placement import DEFAULT_WARMUP_SECONDS, SPREAD, STRATEGIES, InstanceGroup, Placement, TaskSize
from verifier.model.yamlsource import DocPath, Document

PLACEMENT_KEYS = ("task", "oldTask", "placement")
MAX_PORT = 65535


def placement_of(doc: Document, top: dict[str, Any]) -> Placement | None:
    """The placement the model describes, or None when it gives no `cluster.instances`."""
    cluster = top.get("cluster")
    if not isinstance(cluster, dict):
        cluster = {}
    if "instances" not in cluster:
        for key in PLACEMENT_KEYS:
            if key in top:
                raise doc.error((key,), f"'{key}' describes tasks placed on instances: it needs cluster.instances")
        return None
    for other in ("capacityTasks", "capacityHeadroomTasks"):
        if other in cluster:
            raise doc.error(("cluster", other), f"give cluster.instances or {other}, not both: instances "
                            "already say how many tasks fit")
    for key in ("plan", "faults"):
        if key in top:
            raise doc.error((key,), f"'{key}' is not checked together with cluster.instances yet; "
                            "check it in a model with capacityTasks")
    service = top.get("service")
    if isinstance(service, dict) and "desiredRange" in service:
        raise doc.error(("service", "desiredRange"), "cluster.instances need one desiredCount, not a desiredRange")
    groups = _groups(doc, cluster["instances"])
    if "task" not in top:
        raise doc.error(("cluster", "instances"), "cluster.instances need a 'task' with the new revision's "
                        "cpu and memory (and hostPorts, if it binds static host ports)")
    task = _task(doc, ("task",), None)
    old_task = _task(doc, ("oldTask",), task) if "oldTask" in top else task
    section = mapping(doc, ("placement",), {"distinctInstance", "strategy"}, optional=True)
    return Placement(
        groups=groups, task=task, old_task=old_task,
        distinct_instance=flag(doc, ("placement", "distinctInstance"), section.get("distinctInstance", False)),
        strategy=choice(doc, ("placement", "strategy"), section.get("strategy", SPREAD), STRATEGIES),
    )


def _groups(doc: Document, raw: Any) -> tuple[InstanceGroup, ...]:
    path: DocPath = ("cluster", "instances")
    if not isinstance(raw, list) or not raw:
        raise doc.error(path, "cluster.instances must be a non-empty list of groups such as "
                        "'- {count: 4, cpu: 2048, memory: 3840}'")
    return tuple(_group(doc, path + (index,)) for index in range(len(raw)))


def instance_group(doc: Document, path: DocPath) -> InstanceGroup:
    """One group of instances written at `path` (a model's cluster.instances, a gate policy's instances:)."""
    return _group(doc, path)


def _group(doc: Document, path: DocPath) -> InstanceGroup:
    section = mapping(doc, path, {"count", "cpu", "memory", "type", "reserved", "zone", "maxCount", "warmupSeconds"})
    if "count" not in section:
        raise doc.error(path, "an instance group needs count: how many identical instances it has")
    number = count(doc, path + ("count",), section["count"])
    if number < 1:
        raise doc.error(path + ("count",), f"count={number} must be at least 1")
    looked_up: tuple[int, int] | None = None
    kind = None
    if "type" in section:
        kind = text(doc, path + ("type",), section["type"])
        looked_up = registered(kind)
        if looked_up is None:
            raise doc.error(path + ("type",), f"type={kind!r} is not in rollproof's table"
                            f"{suggest(kind, INSTANCE_TYPES)}; give cpu and memory as the instance registers them "
                            f"(known: {', '.join(INSTANCE_TYPES)})")
    sizes = []
    for index, key in enumerate(("cpu", "memory")):
        if key in section:
            sizes.append(count(doc, path + (key,), section[key]))
        elif looked_up is not None:
            sizes.append(looked_up[index])
        else:
            raise doc.error(path, f"an instance group needs {key} (or a type to look it up)")
    cpu, memory = sizes
    reserved = mapping(doc, path + ("reserved",), {"cpu", "memory"}, optional=True)
    reserved_cpu = count(doc, path + ("reserved", "cpu"), reserved.get("cpu", 0))
    reserved_memory = count(doc, path + ("reserved", "memory"), reserved.get("memory", 0))
    if reserved_cpu > cpu:
        raise doc.error(path + ("reserved", "cpu"), f"reserved cpu {reserved_cpu} is more than the {cpu} "
                        "the instance registers")
    if reserved_memory > memory:
        raise doc.error(path + ("reserved", "memory"), f"reserved memory {reserved_memory} MiB is more than the "
                        f"{memory} MiB the instance registers")
    zone = text(doc, path + ("zone",), section["zone"]) if "zone" in section else ""
    max_count = None
    if "maxCount" in section:
        max_count = count(doc, path + ("maxCount",), section["maxCount"])
        if max_count < number:
            raise doc.error(path + ("maxCount",), f"maxCount={max_count} is below count={number}: managed "
                            "scaling grows a group from count up to maxCount")
    warmup = count(doc, path + ("warmupSeconds",), section.get("warmupSeconds", DEFAULT_WARMUP_SECONDS))
    if "warmupSeconds" in section and max_count is None:
        raise doc.error(path + ("warmupSeconds",), "warmupSeconds applies to a group with maxCount (managed scaling)")
    return InstanceGroup(number, cpu, memory, reserved_cpu, reserved_memory, zone, kind, max_count, warmup)


def _task(doc: Document, path: DocPath, defaults: TaskSize | None) -> TaskSize:
    section = mapping(doc, path, {"cpu", "memory", "hostPorts"})
    sizes = []
    for key in ("cpu", "memory"):
        if key in section:
            sizes.append(count(doc, path + (key,), section[key]))
        elif defaults is not None:
            sizes.append(getattr(defaults, key))
        else:
            raise doc.error(path, f"task needs {key} when cluster.instances are given "
                            f"({'CPU units' if key == 'cpu' else 'MiB'}, as in the task definition)")
    if "hostPorts" not in section:
        return TaskSize(sizes[0], sizes[1], defaults.host_ports if defaults is not None else ())
    return TaskSize(sizes[0], sizes[1], _ports(doc, path + ("hostPorts",), section["hostPorts"]))


def _ports(doc: Document, path: DocPath, raw: Any) -> tuple[int, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise doc.error(path, f"hostPorts={raw!r} must be a list of static host ports such as [80]; "
                        "[] for dynamic ports or awsvpc")
    ports: list[int] = []
    for index, value in enumerate(raw):
        port = count(doc, path + (index,), value)
        if not 1 <= port <= MAX_PORT:
            raise doc.error(path + (index,), f"hostPorts: {port} must be a port from 1 to {MAX_PORT} "
                            "(a dynamic port is written by leaving it out)")
        if port in ports:
            raise doc.error(path + (index,), f"hostPorts: {port} is listed twice")
        ports.append(port)
    return tuple(ports)
