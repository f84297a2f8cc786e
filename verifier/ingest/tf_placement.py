"""The instances an aws_ecs_service runs on, read from its Terraform module (docs/semantics.md#placement).

A group joins the service's cluster through an aws_ecs_capacity_provider (the
service's capacity_provider_strategy, else aws_ecs_cluster_capacity_providers
for the cluster) or through `ECS_CLUSTER=` in its launch template's or launch
configuration's user_data next to a reference to the cluster. Its size is
desired_capacity, else min_size; the instance type comes from aws_launch_template
or aws_launch_configuration `instance_type`. The task comes from the service's
aws_ecs_task_definition: `cpu`/`memory`, else its `container_definitions`, written
as jsonencode(...), a JSON string, or file("...json") in the module's folder.
Blocks are matched by the addresses the service's references name; blocks with
`count` or `for_each` are read as one instance (the common shape).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from verifier.ingest import ANALYSABLE, ServiceSpec
from verifier.ingest.capacity import (
    Container,
    DerivedCapacity,
    Group,
    NotDerived,
    cpu_units,
    derived,
    mebibytes,
    strategy_of,
    task_only,
    task_size,
    whole,
)
from verifier.ingest.hcl_expr import Unknown
from verifier.ingest.terraform_project import ParsedModule, Scope
from verifier.model.placement import DEFAULT_WARMUP_SECONDS

_ADDRESS = re.compile(r"\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")
_JSONENCODE = re.compile(r"^\$\{\s*jsonencode\((.*)\)\s*\}$", re.S)
_FILE = re.compile(r'^\$\{\s*file\(\s*"(?:\$\{path\.module\}/)?([^"$]+)"\s*\)\s*\}$')


def _blocks(module: ParsedModule) -> dict[str, tuple[dict[str, Any], str, str]]:
    """Every resource block of the module by address, with the text of its file."""
    found: dict[str, tuple[dict[str, Any], str, str]] = {}
    for path, text, parsed in module.files:
        for entry in parsed.get("resource", []) or []:
            for kind, named in entry.items():
                for name, body in (named.items() if isinstance(named, dict) else []):
                    if isinstance(body, dict):
                        found.setdefault(f"{kind}.{name}", (body, text, str(path)))
    return found


def _refs(raw: Any, kind: str) -> list[str]:
    """The addresses of `kind` a raw (unevaluated) value refers to."""
    return [f"{k}.{n}" for k, n in _ADDRESS.findall(json.dumps(raw, default=str)) if k == kind]


def _nested(body: dict[str, Any], block: str) -> list[dict[str, Any]]:
    value = body.get(block)
    return [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, dict)]


def _known(value: Any, what: str) -> Any:
    if isinstance(value, Unknown):
        raise NotDerived(f"{what} is {value.why}")
    return value


def _line(text: str, address: str) -> int | None:
    kind, name = address.split(".", 1)
    pattern = re.compile(rf'^\s*resource\s+"{re.escape(kind)}"\s+"{re.escape(name)}"')
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


def _providers(blocks: dict[str, tuple[dict[str, Any], str, str]], service: dict[str, Any], cluster: str) -> list[str]:
    named = [ref for item in _nested(service, "capacity_provider_strategy")
             for ref in _refs(item.get("capacity_provider"), "aws_ecs_capacity_provider")]
    if named:
        return named
    found: list[str] = []
    for address, (body, _, _) in blocks.items():
        if address.startswith("aws_ecs_cluster_capacity_providers.") and cluster in json.dumps(body.get(
                "cluster_name"), default=str):
            found += _refs(body.get("capacity_providers"), "aws_ecs_capacity_provider")
            found += _refs(body.get("default_capacity_provider_strategy"), "aws_ecs_capacity_provider")
    return list(dict.fromkeys(found))


def _groups(blocks: dict[str, tuple[dict[str, Any], str, str]], service: dict[str, Any], cluster: str,
            scope: Scope) -> list[Group]:
    scaling: dict[str, tuple[bool, int]] = {}
    for provider in _providers(blocks, service, cluster):
        body = blocks.get(provider, ({}, "", ""))[0]
        for backing in _nested(body, "auto_scaling_group_provider"):
            settings = [scope.evaluate(m) for m in _nested(backing, "managed_scaling")]
            enabled = any(m.get("status") == "ENABLED" for m in settings)
            warmup = next((whole(_known(m["instance_warmup_period"], "instance_warmup_period"),
                                 "instance_warmup_period") for m in settings
                           if m.get("instance_warmup_period") is not None), DEFAULT_WARMUP_SECONDS)
            for asg in _refs(backing.get("auto_scaling_group_arn"), "aws_autoscaling_group"):
                scaling[asg] = (enabled, warmup)
    groups: list[Group] = []
    for address, (raw, text, path) in blocks.items():
        if not address.startswith("aws_autoscaling_group."):
            continue
        launch = [ref for item in _nested(raw, "launch_template") for ref in _refs(item, "aws_launch_template")]
        launch += _refs(raw.get("launch_configuration"), "aws_launch_configuration")
        source = blocks.get(launch[0], ({}, "", ""))[0] if launch else {}
        user_data = json.dumps(source.get("user_data"), default=str)
        joins = "ECS_CLUSTER" in user_data and cluster in user_data
        if address not in scaling and not joins:
            continue
        instance_type = _known(scope.evaluate(source.get("instance_type")), "instance_type")
        if not isinstance(instance_type, str):
            raise NotDerived(f"the instance type of {address} is not in a launch template or launch configuration "
                             "of this module")
        body = scope.evaluate(raw)
        key = "desired_capacity" if body.get("desired_capacity") is not None else "min_size"
        count = whole(_known(body.get(key), key), key)
        high = body.get("max_size")
        max_size = None if high is None else whole(_known(high, "max_size"), "max_size")
        managed, warmup = scaling.get(address, (False, DEFAULT_WARMUP_SECONDS))
        groups.append(Group(address, _line(text, address), count, max_size, instance_type, managed, warmup,
                            key, "max_size", path))
    return groups


def _definitions(raw: Any, scope: Scope, module: ParsedModule) -> list[dict[str, Any]]:
    """container_definitions as a list: jsonencode(...) is evaluated inside, a string or file(...) parsed."""
    written = raw if isinstance(raw, str) else ""
    encoded = _JSONENCODE.match(written)
    named = _FILE.match(written)
    if encoded:
        value = _known(scope.evaluate("${" + encoded.group(1) + "}"), "container_definitions")
    elif named:
        try:
            value = json.loads((module.folder / named.group(1)).read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeError) as error:
            raise NotDerived(f"container_definitions file {named.group(1)} cannot be read: {error}") from None
    else:
        value = _known(scope.evaluate(raw), "container_definitions")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise NotDerived("container_definitions is not JSON") from None
    if not isinstance(value, list):
        raise NotDerived("container_definitions is not a list of containers")
    return [item for item in value if isinstance(item, dict)]


def _containers(items: list[dict[str, Any]]) -> list[Container]:
    containers = []
    for item in items:
        memory = item.get("memory", item.get("memoryReservation"))
        ports = tuple((whole(m["containerPort"], "containerPort"),
                       None if m.get("hostPort") is None else whole(m["hostPort"], "hostPort"))
                      for m in item.get("portMappings") or [] if isinstance(m, dict) and "containerPort" in m)
        containers.append(Container(whole(item.get("cpu", 0), "cpu"),
                                    None if memory is None else whole(memory, "memory"), ports))
    return containers


def placement_of(module: ParsedModule, scope: Scope, service: dict[str, Any],
                 cluster: str) -> DerivedCapacity | None:
    """The service's placement on the groups that join `cluster` (an address); None when none in the module does."""
    blocks = _blocks(module)
    groups: list[Group] | None = None  # None until read: a group that joins but cannot be read says why
    try:
        groups = _groups(blocks, service, cluster, scope) if cluster else []
        task_ref = _refs(service.get("task_definition"), "aws_ecs_task_definition")
        if not task_ref or task_ref[0] not in blocks:
            if not groups:
                return None
            raise NotDerived("the service's task_definition is not an aws_ecs_task_definition of this module")
        raw = blocks[task_ref[0]][0]
        task = scope.evaluate({k: v for k, v in raw.items() if k != "container_definitions"})
        mode = _known(task.get("network_mode"), "network_mode") or "bridge"  # EC2's default
        cpu, memory = _known(task.get("cpu"), "cpu"), _known(task.get("memory"), "memory")
        size = task_size(None if cpu is None else cpu_units(cpu, "cpu"),
                         None if memory is None else mebibytes(memory, "memory"),
                         _containers(_definitions(raw.get("container_definitions"), scope, module)), str(mode))
        evaluated = scope.evaluate({k: v for k, v in service.items()
                                    if k in ("placement_constraints", "ordered_placement_strategy")})
        distinct = any(c.get("type") == "distinctInstance" for c in _nested(evaluated, "placement_constraints"))
        strategy = strategy_of([str(s.get("type")) for s in _nested(evaluated, "ordered_placement_strategy")])
        if not groups:
            return task_only(size, distinct, strategy)
        return derived(groups, size, distinct, strategy, "")
    except NotDerived as why:
        if groups == []:
            return None
        return DerivedCapacity(None, f"capacity assumed unlimited: {why}", str(why))


def with_placement(spec: ServiceSpec, body: dict[str, Any], module: ParsedModule, scope: Scope) -> ServiceSpec:
    """The spec with the capacity its module defines (EC2 services whose cluster the module sizes)."""
    if spec.status != ANALYSABLE or spec.fargate:
        return spec
    capacity = placement_of(module, scope, body, spec.cluster_ref or "")
    return spec if capacity is None else replace(spec, capacity=capacity)
