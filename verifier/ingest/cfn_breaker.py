"""The circuit breaker and alarms of an AWS::ECS::Service: DeploymentConfiguration's DeploymentCircuitBreaker
{Enable, Rollback} and Alarms {AlarmNames, Enable, Rollback} (the only fields CloudFormation documents).

A `Ref` resolves to its parameter's Default (a CommaDelimitedList's text is split into names); one
without a Default, or another intrinsic function, is not known, and the reason is kept in
`ServiceSpec.faults_unknown` (see verifier.ingest.breaker).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from verifier.ingest import ANALYSABLE, ServiceSpec
from verifier.ingest.breaker import NotKnown, Unresolved, alarms_from, breaker_from
from verifier.ingest.cfn_conditions import is_function


def _key_of(mapping: dict[Any, Any], name: str) -> Any:
    return next((key for key in mapping if key == name), None)


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _kind_of(value: Any) -> str:
    return "a list" if isinstance(value, list) else "empty" if value is None else type(value).__name__


def _plain(value: Any, parameters: dict[str, Any]) -> Any:
    """A breaker or alarms value as written, or through its parameter's Default; `Unresolved` saying why not."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = parameters.get(value["Ref"]) if isinstance(parameters, dict) else None
        if not isinstance(parameter, dict) or "Default" not in parameter:
            return Unresolved(f"!Ref {value['Ref']}, a parameter with no Default")
        value = parameter["Default"]
        if isinstance(value, str) and "," in value:  # a CommaDelimitedList parameter
            return [item.strip() for item in value.split(",")]
    if isinstance(value, dict) and len(value) == 1 and is_function(next(iter(value))):
        return Unresolved(f"computed by {next(iter(value))}, which rollproof does not evaluate")
    if isinstance(value, list):
        return [_plain(item, parameters) for item in value]
    return value


def _section(value: Any, parameters: dict[str, Any], name: str, keys: str) -> dict[Any, Any]:
    """The mapping `name` holds (through a parameter's Default), or NotKnown saying why it cannot be read."""
    node = _plain(value, parameters)
    if isinstance(node, Unresolved):
        raise NotKnown(f"{name} is {node.why}")
    if not isinstance(node, dict):
        raise NotKnown(f"{name} is {_kind_of(node)}, not a mapping of {keys}")
    return node


def with_breaker(spec: ServiceSpec, resource: dict[Any, Any], parameters: dict[str, Any]) -> ServiceSpec:
    """The spec with DeploymentConfiguration's DeploymentCircuitBreaker {Enable, Rollback} and Alarms
    {AlarmNames, Enable, Rollback}; what cannot be resolved goes to `faults_unknown`."""
    props = resource.get("Properties")
    config = props.get("DeploymentConfiguration") if isinstance(props, dict) else None
    if spec.status != ANALYSABLE or not isinstance(config, dict):
        return spec
    breaker_key, alarms_key = _key_of(config, "DeploymentCircuitBreaker"), _key_of(config, "Alarms")
    try:
        breaker = alarms = None
        if breaker_key is not None:
            node = _section(config[breaker_key], parameters, "DeploymentCircuitBreaker", "Enable and Rollback")
            breaker = breaker_from(_plain(node.get("Enable"), parameters), _plain(node.get("Rollback"), parameters),
                                   "DeploymentCircuitBreaker")
        if alarms_key is not None:
            node = _section(config[alarms_key], parameters, "Alarms", "AlarmNames, Enable and Rollback")
            alarms = alarms_from(_plain(node.get("AlarmNames"), parameters), _plain(node.get("Enable"), parameters),
                                 _plain(node.get("Rollback"), parameters), "Alarms")
    except NotKnown as unknown:
        return replace(spec, faults_unknown=str(unknown), breaker_line=_line(breaker_key or alarms_key))
    return replace(spec, breaker=breaker, alarms=alarms, breaker_line=_line(breaker_key) if breaker_key else None)
