"""What text reports say of cluster.instances: the instances and task sizes, and each instance's counts in a trace."""

from __future__ import annotations

from verifier.format import duration, plural
from verifier.model.placement import Placement, TaskSize
from verifier.untrusted import terminal

LEGEND = ("instances: numbered from 1, each written as its tasks: O old, s stopping, p pending, N new "
          "(2O: two old), . empty")


def slot_cell(slot: tuple[int, int, int, int]) -> str:
    """One instance's counts as letters: (1, 1, 0, 2) -> 'Os2N'; an empty instance is '.'."""
    cell = "".join(("" if count == 1 else str(count)) + letter
                   for count, letter in zip(slot, "OspN", strict=True) if count)
    return cell or "."


def layout_cell(layout: tuple[tuple[int, int, int, int], ...]) -> str:
    return " ".join(f"{index + 1}:{slot_cell(slot)}" for index, slot in enumerate(layout))


def _size(task: TaskSize) -> str:
    ports = f", host port{'s' * (len(task.host_ports) != 1)} {', '.join(map(str, task.host_ports))}" \
        if task.host_ports else ", dynamic ports"
    return f"{task.cpu} CPU units, {task.memory} MiB{ports}"


def placement_lines(placement: Placement) -> list[str]:
    """The cluster and task sizes a report was checked under, one line each."""
    lines = []
    first = 1
    reserves = iter(placement.reserve_spans)   # the instances managed scaling may add, numbered after the rest
    for group in placement.groups:
        numbers = f"instance {first}" if group.count == 1 else f"instances {first}-{first + group.count - 1}"
        kind = f" ({terminal(group.type)})" if group.type else ""
        zone = f", zone {terminal(group.zone)}" if group.zone else ""
        reserved = (f", {group.reserved_cpu} CPU units and {group.reserved_memory} MiB reserved"
                    if group.reserved_cpu or group.reserved_memory else "")
        each = " each" if group.count > 1 else ""
        lines.append(f"  {numbers}{kind}: {group.cpu} CPU units, {group.memory} MiB{each}{reserved}{zone}")
        if group.max_count is not None and group.max_count > group.count:
            low, high = next(reserves)
            added = f"instance {low + 1}" if high - low == 1 else f"instances {low + 1}-{high}"
            lines.append(f"    managed scaling up to {group.max_count} instances ({added} once added; "
                         f"empty until then), each usable {duration(group.warmup_seconds)} after ECS asks for it")
        first += group.count
    lines.append(f"  new task: {_size(placement.task)}")
    if placement.old_task != placement.task:
        lines.append(f"  old task: {_size(placement.old_task)}")
    rules = [f"placement strategy {placement.strategy}"] + (["distinctInstance"] if placement.distinct_instance else [])
    lines.append(f"  {', '.join(rules)}")
    return lines


def scale_out_text(scale_outs: tuple[tuple[int, int], ...]) -> str:
    """What managed scaling adds in ECS's run: how many instances, when asked for and when usable ("" for none)."""
    if not scale_outs:
        return ""
    first_asked, last_usable = min(a for a, _ in scale_outs), max(u for _, u in scale_outs)
    if len(scale_outs) == 1:
        when = f"asked for at {duration(first_asked)}, usable at {duration(last_usable)}; it stays"
    else:
        when = f"asked for from {duration(first_asked)}, the last usable at {duration(last_usable)}; they stay"
    return f"{plural(len(scale_outs), 'instance')} added by managed scaling: {when} after the deployment"


def scale_out_lines(scale_outs: tuple[tuple[int, int], ...]) -> list[str]:
    """`scale_out_text` as a line of a report's schedules, or nothing."""
    said = scale_out_text(scale_outs)
    return [f"    scales out       {said}"] if said else []
