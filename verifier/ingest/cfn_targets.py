"""Which ECS service an AWS::ApplicationAutoScaling::ScalableTarget scales, however its ResourceId is written.

A ResourceId is `service/CLUSTER/SERVICE`. Templates write it as a literal
(`service/prod/queue-consumer`), `!Sub service/${Cluster}/${Service.Name}`,
`!Join ['/', [service, !Ref Cluster, !GetAtt Service.Name]]`, or with `Fn::Sub`
variables. Only the last segment names the service: a reference to a service's
logical id, or text equal to a service's ServiceName. The services are indexed
once per template, so matching is linear in the number of resources (a
5,000-service template would be quadratic if each target scanned them all).
"""

from __future__ import annotations

import re
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class ServiceIndex:
    """The template's ECS services by logical id and by literal ServiceName."""

    def __init__(self, resources: dict[Any, Any]):
        self.logical_ids: set[str] = set()
        self.by_name: dict[str, str] = {}
        for logical_id, resource in resources.items():
            if isinstance(resource, dict) and resource.get("Type") == "AWS::ECS::Service":
                self.logical_ids.add(str(logical_id))
                props = resource.get("Properties")
                name = props.get("ServiceName") if isinstance(props, dict) else None
                if isinstance(name, str):
                    self.by_name.setdefault(name, str(logical_id))

    def _named(self, text: str) -> str | None:
        """A service named by literal text: its ServiceName, else its logical id."""
        return self.by_name.get(text) or (text if text in self.logical_ids else None)

    def _referenced(self, value: Any) -> str | None:
        """The service a `Ref` or `GetAtt` (`Service.Name`, `[Service, Name]`) points at."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        (function, argument), = value.items()
        if function == "Ref" and isinstance(argument, str):
            target = argument
        elif function == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) and argument else \
                str(argument).split(".", 1)[0]
        else:
            return None
        return str(target) if str(target) in self.logical_ids else None

    def target_of(self, resource_id: Any) -> str | None:
        """The logical id of the service that `resource_id` names, or None when it names none of them."""
        if isinstance(resource_id, str):
            return self._named(resource_id.rstrip("/").rsplit("/", 1)[-1])
        if not isinstance(resource_id, dict) or len(resource_id) != 1:
            return None
        (function, argument), = resource_id.items()
        if function in ("Ref", "Fn::GetAtt"):
            return self._referenced(resource_id)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (
                (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2
                and isinstance(argument[0], str) and isinstance(argument[1], dict) else ("", {}))
            last = text.rstrip("/").rsplit("/", 1)[-1]
            whole = _SUB_VARIABLE.fullmatch(last)
            if whole is None:
                return self._named(last) if "${" not in last else None
            name = whole.group(1)
            if name in variables:
                value = variables[name]
                return self._named(value) if isinstance(value, str) else self._referenced(value)
            target = name.split(".", 1)[0]
            return target if target in self.logical_ids else None
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
                and isinstance(argument[1], list) and argument[1]:
            last = argument[1][-1]
            if isinstance(last, str):
                delimiter = argument[0] if isinstance(argument[0], str) and argument[0] else "/"
                return self._named(last.rstrip(delimiter).rsplit(delimiter, 1)[-1])
            return self._referenced(last)
        return None
