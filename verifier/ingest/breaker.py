"""The deployment circuit breaker and alarms of a service, as every template reader gives them.

Each reader resolves the values it finds (a parameter's Default, a Terraform
variable) and hands them here as Python values: True / False, "true" /
"false" (CloudFormation passes Boolean parameters as text), None when the
property is absent, or `Unresolved` with why it is not known. A breaker or
alarm whose switch is not known never becomes a silent default: the reader
keeps the reason in `ServiceSpec.faults_unknown`, and the gate's bad-release
check (the policy's `faults:`) is then inconclusive, saying why.

What the templates cannot say: CloudFormation and Terraform document only
Enable and Rollback for the breaker, so the threshold is ECS's default
(BOUNDED_PERCENT 50) and resetOnHealthyTask its default (true); ECS JSON may
carry thresholdConfiguration and resetOnHealthyTask (the ECS API fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from verifier.ingest import ServiceSpec
from verifier.model.faults import (
    BOUNDED_PERCENT,
    DEFAULT_THRESHOLD_PERCENT,
    THRESHOLD_TYPES,
    Alarms,
    Breaker,
)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the reader could not work out statically, with why (`!Ref X, a parameter with no Default`)."""

    why: str


class NotKnown(Exception):
    """Raised with the reason a breaker or alarms setting cannot be read; the reader records the reason."""


def switch(value: Any, what: str) -> bool | None:
    """A Boolean setting: True / False, None when absent; NotKnown for anything else, with why."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Unresolved):
        raise NotKnown(f"{what} is {value.why}")
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise NotKnown(f"{what} is {value!r}, not true or false")


def breaker_from(enable: Any, rollback: Any, what: str, threshold: Any = None,
                 reset_on_healthy_task: Any = None) -> Breaker | None:
    """The breaker when enabled, None when absent or disabled; NotKnown when its switches are not known.

    `threshold` is the ECS API's thresholdConfiguration ({type, value}) where the source has it.
    """
    enabled = switch(enable, f"{what} enable")
    if not enabled:
        return None
    back = switch(rollback, f"{what} rollback")
    reset = switch(reset_on_healthy_task, f"{what} resetOnHealthyTask")
    threshold_type, value = BOUNDED_PERCENT, DEFAULT_THRESHOLD_PERCENT
    if threshold is not None:
        if isinstance(threshold, Unresolved) or not isinstance(threshold, dict):
            raise NotKnown(f"{what} thresholdConfiguration is "
                           f"{threshold.why if isinstance(threshold, Unresolved) else repr(threshold)}")
        threshold_type = threshold.get("type", BOUNDED_PERCENT)
        given = threshold.get("value")
        if threshold_type not in THRESHOLD_TYPES:
            raise NotKnown(f"{what} thresholdConfiguration type is {threshold_type!r}, not one of "
                           f"{', '.join(THRESHOLD_TYPES)}")
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise NotKnown(f"{what} thresholdConfiguration value is {given!r}, not a whole number of at least 1")
        value = given
    return Breaker(rollback=bool(back), threshold_type=threshold_type, threshold_value=value,
                   reset_on_healthy_task=True if reset is None else reset)


def alarms_from(names: Any, enable: Any, rollback: Any, what: str) -> Alarms | None:
    """The alarms when enabled, None when absent or disabled; NotKnown when a switch or the names are not known."""
    if not switch(enable, f"{what} enable"):
        return None
    back = switch(rollback, f"{what} rollback")
    if isinstance(names, Unresolved):
        raise NotKnown(f"{what} alarm names are {names.why}")
    if isinstance(names, str):  # "One or more CloudWatch alarm names. Use a ',' to separate the alarms."
        names = [name.strip() for name in names.split(",")]
    if not isinstance(names, list) or not names:
        raise NotKnown(f"{what} is enabled without alarm names ({names!r})")
    shown: list[str] = []
    for name in names:
        if isinstance(name, Unresolved):
            raise NotKnown(f"{what} alarm name is {name.why}")
        shown.append(str(name))
    return Alarms(tuple(shown), bool(back))


def cli_breaker(spec: ServiceSpec, fields: dict[str, Any], parse: Callable[[str], dict[str, Any]],
                line: int | None) -> ServiceSpec:
    """`aws ecs create-service --deployment-configuration`'s breaker and alarms, JSON or shorthand
    (`deploymentCircuitBreaker={enable=true,rollback=true}`); `parse` reads one object of either form.

    A shell value (`$ROLLBACK`) is known only when the script runs: it goes to `faults_unknown`.
    """
    def section(key: str) -> dict[str, Any] | None:
        value = fields.get(key)
        if value is None or isinstance(value, dict):
            return value
        text = str(value).strip()
        if "$" in text:
            raise NotKnown(f"{key} is {text}, a shell value known only when the script runs")
        found = parse(text) or (parse(text[1:-1]) if text.startswith("{") and text.endswith("}") else {})
        if not found:
            raise NotKnown(f"{key} is {text}, neither key=value shorthand nor a JSON object")
        return found

    def names(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
            return [name.strip() for name in value[1:-1].split(",") if name.strip()]
        return value

    try:
        breaker_node, alarms_node = section("deploymentCircuitBreaker"), section("alarms")
        breaker = breaker_from(breaker_node.get("enable"), breaker_node.get("rollback"), "deploymentCircuitBreaker",
                               breaker_node.get("thresholdConfiguration"),
                               breaker_node.get("resetOnHealthyTask")) if breaker_node else None
        alarms = alarms_from(names(alarms_node.get("alarmNames")), alarms_node.get("enable"),
                             alarms_node.get("rollback"), "alarms") if alarms_node else None
    except NotKnown as unknown:
        return replace(spec, faults_unknown=str(unknown), breaker_line=line)
    return replace(spec, breaker=breaker, alarms=alarms, breaker_line=line if breaker or alarms else None)
