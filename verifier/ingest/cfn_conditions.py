"""CloudFormation Conditions decided statically, where the parameters decide them.

A resource with `Condition: Name` exists only when that condition holds, and
`Fn::If [Name, a, b]` is `a` or `b` by it: templates commonly declare one
service for Fargate and one for EC2 and create one of them by a parameter.
Conditions are three-valued here: true, false, or unknown (a parameter with
no value, a pseudo parameter such as AWS::Region, an import, any function
this module does not evaluate). Unknown is reported with the reason, never
guessed. Values compare as CloudFormation compares them, as text (`1` and
`"1"` are equal, YAML's `true` is `"true"`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NO_VALUE = object()  # `!Ref AWS::NoValue`: the property or list item is left out
_MAX_DEPTH = 100  # conditions that refer to each other this deep are a cycle


class Decided:
    """The value of each named condition of a template: True, False, or None with the reason it is unknown."""

    def __init__(self, template: Mapping[Any, Any], parameters: Mapping[str, Any]):
        declared = template.get("Conditions")
        self._declared: Mapping[Any, Any] = declared if isinstance(declared, dict) else {}
        self._parameters = parameters
        self._known: dict[str, tuple[bool | None, str]] = {}

    def value(self, name: str) -> tuple[bool | None, str]:
        """The condition's value and, when it is None, why it cannot be decided."""
        return self._condition(str(name), 0)

    def _condition(self, name: str, depth: int) -> tuple[bool | None, str]:
        if name in self._known:
            return self._known[name]
        if name not in self._declared:
            return None, f"condition {name} is not declared in Conditions"
        if depth > _MAX_DEPTH:
            return None, f"condition {name} is reached through more than {_MAX_DEPTH} conditions (a cycle?)"
        decided = self._evaluate(self._declared[name], depth + 1)
        if decided[0] is None and not decided[1].startswith("condition "):
            decided = None, f"condition {name} cannot be decided: {decided[1]}"
        self._known[name] = decided
        return decided

    def _evaluate(self, node: Any, depth: int) -> tuple[bool | None, str]:
        if isinstance(node, bool):  # a literal `true` only occurs inside the functions, but costs nothing
            return node, ""
        if not isinstance(node, dict) or len(node) != 1:
            return None, f"{node!r} is not a condition function"
        (function, argument), = node.items()
        if function == "Condition":
            return self._condition(str(argument), depth)
        if function == "Fn::Equals":
            return self._equals(argument)
        if function == "Fn::Not":
            inner = self._evaluate(argument[0], depth) if isinstance(argument, list) and len(argument) == 1 \
                else (None, "Fn::Not takes one condition")
            return (None, inner[1]) if inner[0] is None else (not inner[0], "")
        if function in ("Fn::And", "Fn::Or") and isinstance(argument, list) and argument:
            results = [self._evaluate(item, depth) for item in argument]
            decisive = function == "Fn::Or"  # the value that settles the whole: any true for Or, any false for And
            if any(value is decisive for value, _ in results):
                return decisive, ""
            unknown = [why for value, why in results if value is None]
            return (None, unknown[0]) if unknown else (not decisive, "")
        return None, f"{function} is not evaluated"

    def _equals(self, argument: Any) -> tuple[bool | None, str]:
        if not isinstance(argument, list) or len(argument) != 2:
            return None, "Fn::Equals takes two values"
        texts = []
        for item in argument:
            text, why = self._text(item)
            if text is None:
                return None, why
            texts.append(text)
        return texts[0] == texts[1], ""

    def _text(self, value: Any) -> tuple[str | None, str]:
        """A value as the text CloudFormation compares, through one `Ref` to a parameter."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            name = str(value["Ref"])
            parameter = self._parameters.get(name)
            if not isinstance(parameter, dict) or "Default" not in parameter:
                why = "a pseudo parameter, known only when deployed" if name.startswith("AWS::") \
                    else "a parameter with no value"
                return None, f"!Ref {name} is {why}"
            value = parameter["Default"]
        if isinstance(value, bool):
            return ("true" if value else "false"), ""
        if isinstance(value, (str, int, float)):
            return str(value), ""
        function = next(iter(value), "?") if isinstance(value, dict) else type(value).__name__
        return None, f"a value computed by {function} is compared"


def created(resource: Mapping[Any, Any], conditions: Decided) -> tuple[bool | None, str]:
    """Whether the template creates a resource, by its `Condition`; with None, the reason it is unknown."""
    name = resource.get("Condition")
    if name is None:
        return True, ""
    holds, why = conditions.value(str(name))
    return holds, "" if holds is not None else f"the resource is created only when condition {name} holds: {why}"


def is_function(key: Any) -> bool:
    """Whether a mapping's only key names an intrinsic function (`Ref`, `Fn::If`, ...)."""
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def resolve_ifs(node: Any, conditions: Decided) -> Any:
    """The node with every `Fn::If` whose condition is decided replaced by its branch (NO_VALUE for AWS::NoValue).

    Nodes keep their marks (and so their lines); an undecided `Fn::If` stays as it is.
    """
    if isinstance(node, dict):
        if len(node) == 1 and set(node) == {"Ref"} and node["Ref"] == "AWS::NoValue":
            return NO_VALUE
        if len(node) == 1 and "Fn::If" in node:
            argument = node["Fn::If"]
            if isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str):
                holds, _ = conditions.value(argument[0])
                if holds is not None:
                    return resolve_ifs(argument[1] if holds else argument[2], conditions)
            return node
        items = {key: resolve_ifs(value, conditions) for key, value in node.items()}
        if all(items[key] is node[key] for key in node):
            return node
        return _same_kind(node, {key: value for key, value in items.items() if value is not NO_VALUE})
    if isinstance(node, list):
        resolved = [resolve_ifs(item, conditions) for item in node]
        if all(new is old for new, old in zip(resolved, node, strict=True)):
            return node
        return _same_kind(node, [item for item in resolved if item is not NO_VALUE])
    return node


def _same_kind(original: Any, value: Any) -> Any:
    """A new dict or list of cfn-lint's node class, with the original's marks."""
    start, end = getattr(original, "start_mark", None), getattr(original, "end_mark", None)
    if start is None:
        return value
    return type(original)(value, start, end)
