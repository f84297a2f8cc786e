"""The circuit breaker and alarms of an aws_ecs_service: `deployment_circuit_breaker { enable rollback }` and
`alarms { alarm_names enable rollback }`, from a module's evaluated blocks or a plan's `after` values.

What only `apply` knows (an Unknown in a module, `after_unknown` in a plan) is not a default: the
reason is kept in `ServiceSpec.faults_unknown` (see verifier.ingest.breaker).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from verifier.ingest import ANALYSABLE, ServiceSpec
from verifier.ingest.breaker import NotKnown, Unresolved, alarms_from, breaker_from
from verifier.ingest.hcl_expr import Unknown
from verifier.model.yamlsource import DocPath, Document


def _known(value: Any) -> Any:
    """An evaluated value with each part `apply` alone knows marked `Unresolved`, saying why."""
    if isinstance(value, Unknown):
        return Unresolved(value.why)
    if isinstance(value, (list, tuple)):
        return [_known(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_known(item) for item in value)
    return value


def with_breaker(spec: ServiceSpec, breakers: list[dict[str, Any]] | Unknown,
                 alarm_blocks: list[dict[str, Any]] | Unknown, text: str) -> ServiceSpec:
    """The spec with `deployment_circuit_breaker { enable rollback }` and `alarms { alarm_names enable rollback }`
    (plain or dynamic blocks); what only `apply` knows goes to `faults_unknown`."""
    if spec.status != ANALYSABLE:
        return spec
    line = next((number for number, written in enumerate(text.splitlines(), start=1)
                 if number > (spec.line or 0) and re.match(r"\s*(deployment_circuit_breaker|alarms)\s*\{", written)),
                None)
    try:
        breaker = alarms = None
        for block in ("deployment_circuit_breaker", "alarms"):
            found = breakers if block == "deployment_circuit_breaker" else alarm_blocks
            if isinstance(found, Unknown):
                raise NotKnown(f"{block} is {found.why}")
            for item in found:
                if block == "alarms":
                    alarms = alarms_from(_known(item.get("alarm_names")), _known(item.get("enable")),
                                         _known(item.get("rollback")), block)
                else:
                    breaker = breaker_from(_known(item.get("enable")), _known(item.get("rollback")), block)
    except NotKnown as unknown:
        return replace(spec, faults_unknown=str(unknown), breaker_line=line)
    return replace(spec, breaker=breaker, alarms=alarms, breaker_line=line if breaker or alarms else None)


def _unknown_in(marks: Any) -> bool:
    """Whether a plan's `after_unknown` entry marks any value as known only after apply."""
    if isinstance(marks, dict):
        return any(_unknown_in(mark) for mark in marks.values())
    if isinstance(marks, list):
        return any(_unknown_in(mark) for mark in marks)
    return marks is True


def plan_breaker(doc: Document, path: DocPath, after: dict[str, Any], unknown: Any, spec: ServiceSpec) -> ServiceSpec:
    """A planned service's breaker and alarms: each block is a list of one object in the plan's JSON;
    a value known only after apply is null in `after` and true in `after_unknown`, so it is refused."""
    try:
        breaker = alarms = None
        for block in ("deployment_circuit_breaker", "alarms"):
            if _unknown_in(unknown.get(block) if isinstance(unknown, dict) else None):
                raise NotKnown(f"{block} is known only after apply")
            items = after.get(block) or []
            for item in items if isinstance(items, list) else [items]:
                if not isinstance(item, dict):
                    raise NotKnown(f"{block} is {item!r}, not an object")
                if block == "alarms":
                    alarms = alarms_from(item.get("alarm_names"), item.get("enable"), item.get("rollback"), block)
                else:
                    breaker = breaker_from(item.get("enable"), item.get("rollback"), block)
    except NotKnown as problem:
        return replace(spec, faults_unknown=str(problem), breaker_line=doc.lines.get(path + (block,)))
    return replace(spec, breaker=breaker, alarms=alarms,
                   breaker_line=doc.lines.get(path + ("deployment_circuit_breaker",)))
