"""The instances an AWS::ECS::Service runs on, read from its CloudFormation template (docs/semantics.md#placement).

A group joins the service's cluster through a capacity provider (the service's
CapacityProviderStrategy, else the cluster's: AWS::ECS::ClusterCapacityProviderAssociations
or the cluster's CapacityProviders) or through `ECS_CLUSTER=` in its launch
template's or launch configuration's UserData next to a reference to the cluster.
Its size is DesiredCapacity, else MinSize; the instance type comes from the
launch template (LaunchTemplateData.InstanceType) or launch configuration. The
task comes from the service's AWS::ECS::TaskDefinition. A `Ref` resolves to its
parameter's Default; anything else computed leaves the capacity unknown, said so.
"""

from __future__ import annotations

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
from verifier.model.placement import DEFAULT_WARMUP_SECONDS

_ASG = "AWS::AutoScaling::AutoScalingGroup"


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _value(node: Any, parameters: dict[str, Any], what: str) -> Any:
    """A literal, or a `Ref` to a parameter through its Default."""
    if isinstance(node, dict) and set(node) == {"Ref"}:
        parameter = parameters.get(str(node["Ref"]))
        if not isinstance(parameter, dict) or "Default" not in parameter:
            raise NotDerived(f"{what} is !Ref {node['Ref']}, a parameter with no Default")
        return parameter["Default"]
    if isinstance(node, dict) and len(node) == 1:
        raise NotDerived(f"{what} is computed by {next(iter(node))}, which rollproof does not evaluate")
    return node


def _target(node: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` points at."""
    if isinstance(node, dict) and len(node) == 1:
        (function, argument), = node.items()
        if function == "Ref" and isinstance(argument, str):
            return argument
        if function == "Fn::GetAtt":
            return str(argument[0] if isinstance(argument, list) and argument else str(argument).split(".", 1)[0])
    return None


def _props(resources: dict[Any, Any], logical_id: str | None, kind: str) -> dict[Any, Any] | None:
    resource = resources.get(logical_id) if logical_id is not None else None
    if not isinstance(resource, dict) or resource.get("Type") != kind:
        return None
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _mentions_cluster(node: Any, cluster: str) -> bool:
    """Whether UserData sets ECS_CLUSTER to the cluster: the text says ECS_CLUSTER= and the same
    value refers to the cluster (`${Cluster}` in Fn::Sub, `!Ref Cluster` in Fn::Join)."""
    texts: list[str] = []
    refers = False
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            if _target(item) == cluster:
                refers = True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    joined = "\n".join(texts)
    return "ECS_CLUSTER=" in joined and (refers or "${" + cluster + "}" in joined
                                         or "${" + cluster + ".Arn}" in joined)


def _instance_type(resources: dict[Any, Any], asg: dict[Any, Any], parameters: dict[str, Any]
                   ) -> tuple[str | None, Any]:
    """The group's instance type, and the UserData that says which cluster its instances join."""
    template = asg.get("LaunchTemplate")
    if isinstance(template, dict):
        props = _props(resources, _target(template.get("LaunchTemplateId") or template.get("LaunchTemplateName")),
                       "AWS::EC2::LaunchTemplate")
        data = props.get("LaunchTemplateData") if props is not None else None
        if isinstance(data, dict):
            return _text(data.get("InstanceType"), parameters, "InstanceType"), data.get("UserData")
    props = _props(resources, _target(asg.get("LaunchConfigurationName")), "AWS::AutoScaling::LaunchConfiguration")
    if props is not None:
        return _text(props.get("InstanceType"), parameters, "InstanceType"), props.get("UserData")
    return None, None


def _text(node: Any, parameters: dict[str, Any], what: str) -> str | None:
    value = _value(node, parameters, what)
    return str(value) if isinstance(value, str) else None  # a plain str: cfn-lint's nodes do not pickle


def _providers(resources: dict[Any, Any], service: dict[Any, Any], cluster: str) -> list[str]:
    """The capacity providers the service's tasks go to: its own strategy, else the cluster's default."""
    strategy = service.get("CapacityProviderStrategy")
    if isinstance(strategy, list) and strategy:
        return [t for item in strategy if isinstance(item, dict)
                for t in [_target(item.get("CapacityProvider"))] if t is not None]
    names: list[str] = []
    for resource in resources.values():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        props = resource["Properties"]
        if resource.get("Type") == "AWS::ECS::ClusterCapacityProviderAssociations" \
                and _target(props.get("Cluster")) == cluster:
            listed = props.get("DefaultCapacityProviderStrategy") or []
            names += [t for item in listed if isinstance(item, dict)
                      for t in [_target(item.get("CapacityProvider"))] if t]
            names += [t for item in props.get("CapacityProviders") or [] for t in [_target(item)] if t]
    cluster_props = _props(resources, cluster, "AWS::ECS::Cluster") or {}
    names += [t for item in cluster_props.get("CapacityProviders") or [] for t in [_target(item)] if t]
    return list(dict.fromkeys(names))


def _groups(resources: dict[Any, Any], service: dict[Any, Any], cluster: str,
            parameters: dict[str, Any]) -> list[Group]:
    scaling: dict[str, tuple[bool, int]] = {}  # group -> (managed scaling, warm-up seconds)
    for provider in _providers(resources, service, cluster):
        props = _props(resources, provider, "AWS::ECS::CapacityProvider") or {}
        backing = props.get("AutoScalingGroupProvider")
        if not isinstance(backing, dict):
            continue
        asg = _target(backing.get("AutoScalingGroupArn"))
        managed = backing.get("ManagedScaling")
        enabled = isinstance(managed, dict) and _text(managed.get("Status"), parameters, "Status") == "ENABLED"
        warmup = DEFAULT_WARMUP_SECONDS
        if enabled and isinstance(managed, dict) and managed.get("InstanceWarmupPeriod") is not None:
            warmup = whole(_value(managed["InstanceWarmupPeriod"], parameters, "InstanceWarmupPeriod"),
                           "InstanceWarmupPeriod")
        if asg is not None:
            scaling[asg] = (enabled, warmup)
    groups: list[Group] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != _ASG:
            continue
        asg = resource.get("Properties")
        if not isinstance(asg, dict):
            continue
        instance_type, user_data = _instance_type(resources, asg, parameters)
        if str(logical_id) not in scaling and not _mentions_cluster(user_data, cluster):
            continue
        if instance_type is None:
            raise NotDerived(f"the instance type of AutoScalingGroup {logical_id} is not in a launch template or "
                             "launch configuration of this template")
        size = asg.get("DesiredCapacity", asg.get("MinSize"))
        count = whole(_value(size, parameters, "DesiredCapacity"), "DesiredCapacity")
        high = asg.get("MaxSize")
        max_size = whole(_value(high, parameters, "MaxSize"), "MaxSize") if high is not None else None
        managed, warmup = scaling.get(str(logical_id), (False, DEFAULT_WARMUP_SECONDS))
        groups.append(Group(str(logical_id), _line(logical_id), count, max_size, instance_type, managed, warmup,
                            "DesiredCapacity" if "DesiredCapacity" in asg else "MinSize"))
    return groups


def _containers(definitions: Any, parameters: dict[str, Any]) -> list[Container]:
    containers = []
    for item in definitions if isinstance(definitions, list) else []:
        if not isinstance(item, dict):
            continue
        cpu = whole(_value(item.get("Cpu", 0), parameters, "Cpu"), "Cpu")
        memory = item.get("Memory", item.get("MemoryReservation"))
        ports = []
        for mapping in item.get("PortMappings") or []:
            if isinstance(mapping, dict) and mapping.get("ContainerPort") is not None:
                host = mapping.get("HostPort")
                ports.append((whole(_value(mapping["ContainerPort"], parameters, "ContainerPort"), "ContainerPort"),
                              None if host is None else whole(_value(host, parameters, "HostPort"), "HostPort")))
        containers.append(Container(cpu, None if memory is None else
                                    whole(_value(memory, parameters, "Memory"), "Memory"), tuple(ports)))
    return containers


def placement_of(resources: dict[Any, Any], service: dict[Any, Any], cluster: str,
                 parameters: dict[str, Any]) -> DerivedCapacity | None:
    """The service's placement on the groups that join `cluster` (its task alone when no group in the template
    does, for a policy's instances); None when the template defines neither."""
    groups: list[Group] | None = None  # None until read: a group that joins but cannot be read says why
    try:
        groups = _groups(resources, service, cluster, parameters) if cluster else []
        task = _props(resources, _target(service.get("TaskDefinition")), "AWS::ECS::TaskDefinition")
        if task is None:
            if not groups:
                return None
            raise NotDerived("the service's TaskDefinition is not an AWS::ECS::TaskDefinition of this template")
        mode = _text(task.get("NetworkMode"), parameters, "NetworkMode") or "bridge"  # EC2's default
        task_cpu = task.get("Cpu")
        task_memory = task.get("Memory")
        size = task_size(None if task_cpu is None else cpu_units(_value(task_cpu, parameters, "Cpu"), "Cpu"),
                         None if task_memory is None else
                         mebibytes(_value(task_memory, parameters, "Memory"), "Memory"),
                         _containers(task.get("ContainerDefinitions"), parameters), mode)
        constraints = service.get("PlacementConstraints") or []
        distinct = any(isinstance(c, dict) and c.get("Type") == "distinctInstance" for c in constraints)
        strategies = [str(s.get("Type")) for s in service.get("PlacementStrategies") or [] if isinstance(s, dict)]
        if not groups:
            return task_only(size, distinct, strategy_of(strategies))
        return derived(groups, size, distinct, strategy_of(strategies), "AutoScalingGroup")
    except NotDerived as why:
        if groups == []:
            return None
        return DerivedCapacity(None, f"capacity assumed unlimited: {why}", str(why))


def with_placement(spec: ServiceSpec, resource: dict[Any, Any], resources: dict[Any, Any],
                   parameters: dict[str, Any]) -> ServiceSpec:
    """The spec with the capacity its template defines (EC2 services whose cluster the template sizes)."""
    props = resource.get("Properties")
    if spec.status != ANALYSABLE or spec.fargate or not isinstance(props, dict):
        return spec
    capacity = placement_of(resources, props, spec.cluster_ref or "", parameters)
    return spec if capacity is None else replace(spec, capacity=capacity)
