"""AWS::ECS::Service resources from CloudFormation templates, YAML (short-form tags too) or JSON.

Decoding is cfn-lint's: it understands the intrinsic-function tags and keeps
the mark of every key, so each value can be traced to its line and column.

What the service gets when a property is absent (the ECS defaults for rolling
updates): MinimumHealthyPercent 100, MaximumPercent 200. An absent
DesiredCount is 1 when CloudFormation creates the service but stays whatever it
was when it updates it, so without a linked scalable target the count is
unknown (`desired_unknown` says why) and the gate checks every count it may take.
A `Ref` resolves to the template parameter's Default; a DesiredCount without one
is unknown in the same way, any other setting without one is inconclusive.
Conditions are decided from the same values (cfn_conditions): a service or
scalable target whose condition is false is not created, `Fn::If` takes its
branch, and an undecided condition makes the service inconclusive. DAEMON
services and CODE_DEPLOY / EXTERNAL deployment controllers are listed as not
analysed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import yaml

from verifier.ingest import (
    ANALYSABLE,
    INCONCLUSIVE,
    MAX_NESTING,
    NOT_ANALYSED,
    IngestError,
    ServiceBase,
    ServiceSpec,
    Setting,
    check_nesting,
    on_fargate,
)
from verifier.ingest.cfn_breaker import with_breaker
from verifier.ingest.cfn_conditions import Decided, created, is_function, resolve_ifs
from verifier.ingest.cfn_placement import with_placement
from verifier.ingest.cfn_targets import ServiceIndex

MAX_BYTES = 5_000_000
MAX_DIGITS = 4300  # Python refuses to convert longer digit strings
# CloudFormation passes Number parameters as strings: ASCII digits only ("²".isdigit() is true, int() refuses it).
_WHOLE = re.compile(r"^\s*-?[0-9]+\s*$")


class _Unresolved(Exception):
    pass


# Plain scalars that YAML 1.1 (and so cfn-lint's loader) reads as numbers but YAML 1.2 does not:
# base 60 (1:30 is 90), hex, octal, binary, and digits with '_'.
_YAML11_NUMBER = re.compile(
    r"^[-+]?(?:0[xob][0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+|[0-9][0-9_]*_[0-9_]*)$")


def _scan_yaml(text: str, source: str) -> dict[int, list[tuple[int, str]]]:
    """Refuse YAML nested deeper than cfn-lint's recursion survives; note each YAML-1.1-only number by line.

    PyYAML produces events without recursing, so this pass is safe on any nesting.
    """
    odd: dict[int, list[tuple[int, str]]] = {}
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            mark = event.start_mark
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    check_nesting(text, source, "yaml", depth_at=mark.line + 1 if mark else 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and event.style is None and mark is not None \
                    and _YAML11_NUMBER.match(event.value):
                odd.setdefault(mark.line + 1, []).append((mark.column + 1, event.value))
    except yaml.YAMLError:
        pass  # cfn-lint says what is wrong, in its own words
    return odd


class _Invalid(Exception):
    """A value no deployment could have (a negative count, a reversed range): bad input, at a line."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def _kind(value: Any) -> str:
    """What a value is, in words (cfn-lint wraps values in its own node classes)."""
    for kind, words in ((dict, "a mapping"), (list, "a list"), (bool, "true/false"), (int, "a number"),
                        (str, "text")):
        if isinstance(value, kind):
            return words
    return "empty" if value is None else type(value).__name__


def _line(node: Any) -> tuple[int | None, int | None]:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _key_of(mapping: dict[Any, Any], name: str) -> Any:
    for key in mapping:
        if key == name:
            return key
    return None


def _resolve(value: Any, parameters: dict[str, Any], what: str) -> int:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        parameter = parameters.get(name) if isinstance(parameters, dict) else None
        if not isinstance(parameter, dict) or "Default" not in parameter:
            raise _Unresolved(f"{what} is !Ref {name}, a parameter with no Default")
        value = parameter["Default"]
    if isinstance(value, dict):
        function = next(iter(value), "?")
        raise _Unresolved(f"{what} is computed by {function}, which rollproof does not evaluate")
    if isinstance(value, bool):
        raise _Unresolved(f"{what} is {value!r}, not a number")
    if isinstance(value, str) and _WHOLE.match(value):
        if len(value.strip().lstrip("-")) > MAX_DIGITS:
            raise _Unresolved(f"{what} has more than {MAX_DIGITS} digits, far beyond any count")
        value = int(value)
    if not isinstance(value, int):
        raise _Unresolved(f"{what} is {value!r}, not a whole number")
    return value


def _resolve_text(value: Any, parameters: dict[str, Any]) -> str:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = parameters.get(value["Ref"]) if isinstance(parameters, dict) else None
        if not isinstance(parameter, dict) or "Default" not in parameter:
            raise _Unresolved("no default")
        value = parameter["Default"]
    if not isinstance(value, str):
        raise _Unresolved("not text")
    return value


def _written_plainly(what: str, value: int, line: int | None, column: int | None,
                     odd: dict[int, list[tuple[int, str]]]) -> None:
    """Refuse a number cfn-lint read the YAML 1.1 way (`1:30` as 90): the author wrote something else."""
    for at, written in odd.get(line or 0, []):
        if at > (column or 0):
            raise _Invalid(f"{what} is written {written}, which YAML 1.1 reads as {value} and YAML 1.2 as text; "
                           "write the number in decimal digits", line)


def _setting(props: dict[Any, Any], path: tuple[str, ...], parameters: dict[str, Any], default: int | None,
             odd: dict[int, list[tuple[int, str]]]) -> Setting:
    node: Any = props
    key: Any = None
    for index, name in enumerate(path):
        if not isinstance(node, dict):
            raise _Unresolved(f"{path[index - 1]} is {_kind(node)}, not a mapping of properties")
        if node is not props and len(node) == 1 and is_function(next(iter(node))):
            # `DeploymentConfiguration: !If [...]` left undecided: its keys are not properties, so
            # reading them as absent would give ECS's defaults for what the template actually decides
            raise _Unresolved(f"{path[index - 1]} is computed by {next(iter(node))}, which rollproof does not "
                              "evaluate here")
        key = _key_of(node, name)
        if key is None:
            line, column = _line(node) if node is not props else (None, None)
            return Setting(default, line, column, default=True)
        node = node[key]
    line, column = _line(key)
    value = _resolve(node, parameters, path[-1])
    _written_plainly(path[-1], value, line, column, odd)
    if value < 0:
        raise _Invalid(f"{path[-1]} is {value}; it must not be negative", line)
    return Setting(value, line, column)


def decode_template(text: str, source: str) -> tuple[dict[Any, Any], dict[int, list[tuple[int, str]]]]:
    """The decoded template (values keep their marks) and its YAML-1.1-only numbers by line."""
    from cfnlint.decode import decode_str  # imported here: it takes about a second to load

    if len(text) > MAX_BYTES:
        raise IngestError(f"template is larger than {MAX_BYTES // 1_000_000} MB", source, 1)
    odd_numbers: dict[int, list[tuple[int, str]]] = {}
    if text.lstrip().startswith("{"):
        check_nesting(text, source, "json")
    else:
        odd_numbers = _scan_yaml(text, source)
    template, matches = decode_str(text)
    if matches or template is None:
        first = matches[0] if matches else None
        message = first.message if first else "not a template"
        raise IngestError(f"cannot read the template: {message}", source,
                          getattr(first, "linenumber", None) if first else 1)
    if not isinstance(template, dict):
        raise IngestError("a template must be a mapping", source, 1)
    return template, odd_numbers


def effective_parameters(template: dict[Any, Any], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template's parameters, each with the value a parent stack or parameter file gives it as its Default."""
    declared = template.get("Parameters")
    parameters: dict[str, Any] = dict(declared) if isinstance(declared, dict) else {}
    for name, value in (values or {}).items():
        if name in parameters:  # CloudFormation refuses values for undeclared parameters; never invent one
            parameters[name] = {"Default": value}
    return parameters


def read_template(text: str, source: str, parameter_values: Mapping[str, Any] | None = None,
                  via: tuple[str, ...] = ()) -> list[ServiceSpec]:
    """The ECS services of one template; `parameter_values` are what a parent stack or parameter file passes."""
    template, odd_numbers = decode_template(text, source)
    return services_of(template, source, odd_numbers, parameter_values, via)


def services_of(template: dict[Any, Any], source: str, odd_numbers: dict[int, list[tuple[int, str]]],
                parameter_values: Mapping[str, Any] | None = None, via: tuple[str, ...] = ()) -> list[ServiceSpec]:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return []
    parameters = effective_parameters(template, parameter_values)
    conditions = Decided(template, parameters)
    try:
        undecided: dict[str, str] = {}  # service -> why whether its scalable target exists is unknown
        ranges = _scalable_targets(resources, parameters, odd_numbers, conditions, undecided)
        specs: list[ServiceSpec] = []
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::ECS::Service":
                continue
            exists, why = created(resource, conditions)
            if exists is False:  # the parameters leave it out of this deployment: there is no such service
                continue
            spec = _service(str(logical_id), resolve_ifs(resource, conditions), parameters, ranges, source,
                            _line(logical_id)[0], odd_numbers, via)
            spec = with_breaker(spec, resolve_ifs(resource, conditions), parameters)
            spec = with_placement(spec, resolve_ifs(resource, conditions), resources, parameters)
            why = why or undecided.get(str(logical_id), "")
            if why and spec.status == ANALYSABLE:
                spec = replace(spec, status=INCONCLUSIVE, reason=why)
            specs.append(spec)
    except _Invalid as invalid:
        raise IngestError(str(invalid), source, invalid.line) from None
    return specs


def _scalable_targets(resources: dict[Any, Any], parameters: dict[str, Any],
                      odd: dict[int, list[tuple[int, str]]], conditions: Decided,
                      undecided: dict[str, str]) -> dict[str, tuple[int, int, int | None]]:
    """Service logical id -> (min, max, line) from AWS::ApplicationAutoScaling::ScalableTarget.

    A target whose Condition is false does not exist; one whose Condition is unknown is put in `undecided`.
    """
    found: dict[str, tuple[int, int, int | None]] = {}
    index: ServiceIndex | None = None  # built on the first scalable target: most templates have none
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ApplicationAutoScaling::ScalableTarget":
            continue
        exists, why = created(resource, conditions)
        if exists is False:
            continue
        resource = resolve_ifs(resource, conditions)
        props = resource.get("Properties") or {}
        if not isinstance(props, dict) or props.get("ScalableDimension") != "ecs:service:DesiredCount":
            continue
        index = index or ServiceIndex(resources)
        service = index.target_of(props.get("ResourceId"))
        if service is None:
            continue
        if exists is None:
            undecided[service] = f"whether its scalable target {logical_id} exists is unknown: {why}"
            continue
        try:
            low = _resolve(props.get("MinCapacity"), parameters, "MinCapacity")
            high = _resolve(props.get("MaxCapacity"), parameters, "MaxCapacity")
        except _Unresolved:
            continue
        for what, value in (("MinCapacity", low), ("MaxCapacity", high)):
            _written_plainly(what, value, *_line(_key_of(props, what)), odd)
        line = _line(logical_id)[0]
        if low < 0 or low > high:
            raise _Invalid(f"scalable target {logical_id} has MinCapacity {low} and MaxCapacity {high}; "
                           "it needs 0 <= MinCapacity <= MaxCapacity", line)
        found[service] = (low, high, line)
    return found


# ECS-native deployment strategies other than ROLLING shift traffic between two task sets: not this model.
_OTHER_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def _text_or_reason(value: Any, parameters: dict[str, Any], what: str) -> tuple[str | None, str]:
    """A text property resolved through parameters, or (None, why it cannot be)."""
    if value is None:
        return None, ""
    try:
        return _resolve_text(value, parameters), ""
    except _Unresolved:
        shown = f"!Ref {value['Ref']}" if isinstance(value, dict) and "Ref" in value else \
            f"computed by {next(iter(value), '?')}" if isinstance(value, dict) else repr(value)
        return None, f"{what} is {shown}, which does not resolve to a value"


def _strategy(value: Any, parameters: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str]:
    """The capacity-provider strategy with each provider name resolved through parameters."""
    if isinstance(value, dict) and len(value) == 1 and is_function(next(iter(value))):
        return None, f"CapacityProviderStrategy is computed by {next(iter(value))}, which does not resolve to a value"
    if not isinstance(value, list):
        return None, ""
    resolved: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict):
            continue
        name, reason = _text_or_reason(item.get("CapacityProvider"), parameters, "CapacityProvider")
        if reason:
            return None, reason
        resolved.append({"CapacityProvider": name})
    return resolved, ""


def _not_rolling(props: dict[Any, Any], parameters: dict[str, Any]) -> str:
    """Why the service is not a rolling update this model covers; '' when it is one."""
    if _text_or_reason(props.get("SchedulingStrategy"), parameters, "SchedulingStrategy")[0] == "DAEMON":
        return "DAEMON services run one task per instance; the rolling-update model covers REPLICA services"
    controller_node = props.get("DeploymentController")
    controller = "ECS"
    if isinstance(controller_node, dict) and len(controller_node) == 1 and is_function(next(iter(controller_node))):
        raise _Unresolved(f"DeploymentController is computed by {next(iter(controller_node))}, which does not "
                          "resolve to a value")
    if isinstance(controller_node, dict):
        resolved, reason = _text_or_reason(controller_node.get("Type"), parameters, "DeploymentController Type")
        if reason:
            raise _Unresolved(reason)
        controller = resolved or "ECS"
    if controller != "ECS":
        return f"deployment controller {controller} (blue/green or external) is not the rolling update this " \
               "model covers"
    config = props.get("DeploymentConfiguration")
    if isinstance(config, dict):
        strategy, reason = _text_or_reason(config.get("Strategy"), parameters, "DeploymentConfiguration Strategy")
        if reason:
            raise _Unresolved(reason)
        if strategy in _OTHER_STRATEGIES:
            return f"deployment strategy {strategy} shifts traffic between two task sets; rollproof models " \
                   "rolling updates only"
    return ""


def _cluster_ref(value: Any) -> str | None:
    """The logical id a Cluster property points at (`!Ref ECSCluster`, `!GetAtt ECSCluster.Arn`), for policies."""
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref" and isinstance(argument, str):
            return argument
        if function == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) and argument else str(argument).split(".", 1)[0]
            return str(target)
    return None


def _service(logical_id: str, resource: dict[Any, Any], parameters: dict[str, Any],
             ranges: dict[str, tuple[int, int, int | None]], source: str,
             line: int | None, odd: dict[int, list[tuple[int, str]]], via: tuple[str, ...] = ()) -> ServiceSpec:
    props = resource.get("Properties") or {}
    if not isinstance(props, dict):
        return ServiceSpec(file=source, kind="cloudformation", name=logical_id, line=line, status=INCONCLUSIVE,
                           reason=f"Properties is {_kind(props)}, not a mapping", via=via)
    aliases = (props["ServiceName"],) if isinstance(props.get("ServiceName"), str) else ()
    try:
        cluster = str(_resolve_text(props.get("Cluster"), parameters))
    except _Unresolved:
        cluster = None
    launch_type, launch_reason = _text_or_reason(props.get("LaunchType"), parameters, "LaunchType")
    strategy, strategy_reason = _strategy(props.get("CapacityProviderStrategy"), parameters)
    base = ServiceBase(file=source, kind="cloudformation", name=logical_id, line=line, aliases=aliases,
                       cluster=cluster if props.get("Cluster") is not None else None,
                       fargate=on_fargate(launch_type, strategy), cluster_ref=_cluster_ref(props.get("Cluster")),
                       via=via)
    try:
        not_rolling = _not_rolling(props, parameters)
    except _Unresolved as unresolved:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
    if not_rolling:
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=not_rolling)
    if launch_reason or strategy_reason:  # Fargate or not decides whether cluster capacity applies
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=launch_reason or strategy_reason)
    try:
        minimum = _setting(props, ("DeploymentConfiguration", "MinimumHealthyPercent"), parameters, 100, odd)
        maximum = _setting(props, ("DeploymentConfiguration", "MaximumPercent"), parameters, 200, odd)
    except _Unresolved as unresolved:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
    span = ranges.get(logical_id)
    scaled_range, scaled_line = ((span[0], span[1]), span[2]) if span else (None, None)
    try:
        desired = _setting(props, ("DesiredCount",), parameters, None, odd)
    except _Unresolved as unresolved:
        # The percentages are known: with a scalable target its range is the count to check; without
        # one the count is unknown, and the gate checks every count the service may take.
        if span:
            return ServiceSpec(**base, status=ANALYSABLE, min_healthy_percent=minimum, max_percent=maximum,
                               desired_owner="autoscaling", desired_range=scaled_range,
                               desired_range_line=scaled_line)
        if not isinstance(props.get("DesiredCount"), dict):  # a literal that is no count: the file is wrong
            return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved), min_healthy_percent=minimum,
                               max_percent=maximum)
        return ServiceSpec(**base, status=ANALYSABLE, desired=Setting(None, *_line(_key_of(props, "DesiredCount"))),
                           min_healthy_percent=minimum, max_percent=maximum, desired_unknown=str(unresolved))
    if desired.value is None and span is None:
        return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                           max_percent=maximum,
                           desired_unknown="DesiredCount is absent: CloudFormation starts a new service at 1 but "
                                           "keeps the running count on update")
    return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                       max_percent=maximum, desired_owner="autoscaling" if desired.value is None else None,
                       desired_range=scaled_range, desired_range_line=scaled_line)
