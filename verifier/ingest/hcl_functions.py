"""Terraform's pure functions that modules use around ECS settings, with Terraform's rules for bad arguments.

Each function gets evaluated arguments. An argument that is unknown makes the
result unknown, except where Terraform's rule decides anyway: `coalesce`
returns a known non-empty argument that comes before any unknown one, and
`contains` is true when a known element equals the value. Elements are looked
into where the result depends on them (`compact`, `distinct`, `flatten`), so a
list holding an unknown never gives a guessed answer. Maps are read in
Terraform's order, by key (`keys`, `values`). An argument Terraform would
refuse (a missing key for `lookup`, `one` of two elements) fails as Terraform
fails, which `try` and `can` catch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from verifier.ingest.hcl_values import Failed, Unknown, fail, is_number, number, plain, text_of, unknown_in


def _sorted_keys(mapping: Mapping[Any, Any]) -> list[Any]:
    return sorted(mapping, key=str)


def _list(value: Any, function: str) -> list[Any]:
    if not isinstance(value, list):
        fail(f"{function}() needs a list")
    return value


def _map(value: Any, function: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        fail(f"{function}() needs a map or object")
    return value


def _length(value: Any) -> int:
    if not isinstance(value, (list, Mapping, str)):
        fail("length() needs a list, map or string")
    return len(value)


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    found = _map(mapping, "lookup")
    if key in found:
        return found[key]
    if len(default) > 1:
        fail("lookup() takes a map, a key and a default")
    return default[0] if default else fail(f"lookup() of a missing key {key!r}")


def _contains(items: Any, value: Any) -> Any:
    known = [item for item in _list(items, "contains") if unknown_in(item) is None]
    if unknown_in(value) is None and any(number(item) == number(value) for item in known):
        return True
    return Unknown("contains() of a list holding a value known only when Terraform applies") \
        if len(known) < len(items) or unknown_in(value) is not None else False


def _merge(*mappings: Any) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    for mapping in mappings:
        if mapping is not None:  # Terraform's merge skips null arguments
            merged.update(_map(mapping, "merge"))
    return merged


def _concat(*lists: Any) -> list[Any]:
    return [item for items in lists for item in _list(items, "concat")]


def _compact(items: Any) -> Any:
    unknown = unknown_in(_list(items, "compact"))
    if unknown is not None:
        return plain(unknown)
    return [item for item in items if item is not None and item != ""]


def _element(items: Any, index: Any) -> Any:
    index = number(index)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        fail("element() needs a whole, non-negative index")
    if not _list(items, "element"):
        fail("element() of an empty list")
    return items[index % len(items)]


def _tonumber(value: Any) -> Any:
    if value is None or is_number(value):
        return value
    if isinstance(value, str):
        try:
            converted = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            converted = None
        if converted is not None and value.strip() == value:
            return converted
    return fail(f"tonumber() cannot convert {value!r}")


def _tostring(value: Any) -> Any:
    return None if value is None else text_of(value)


def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return fail(f"tobool() cannot convert {value!r}")


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def extreme(*values: Any) -> Any:
        converted = [_tonumber(number(value)) for value in values]
        if not converted or not all(is_number(value) for value in converted):
            fail("max() and min() need one or more numbers")
        return pick(converted)
    return extreme


def _one(items: Any) -> Any:
    if len(_list(items, "one")) > 1:
        fail("one() of a list with more than one element")
    return items[0] if items else None


def _flatten(items: Any, depth: int = 0) -> Any:
    flat: list[Any] = []
    for item in _list(items, "flatten"):
        if isinstance(item, Unknown):  # it may be a list to flatten, or not
            return plain(item)
        if isinstance(item, list):
            if depth > 100:
                fail("nested too deeply")
            inner = _flatten(item, depth + 1)
            if isinstance(inner, Unknown):
                return inner
            flat += inner
        else:
            flat.append(item)
    return flat


def _distinct(items: Any) -> Any:
    unknown = unknown_in(_list(items, "distinct"))
    if unknown is not None:  # an unknown may equal an element or not
        return plain(unknown)
    found: list[Any] = []
    for item in items:
        if item not in found:
            found.append(item)
    return found


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "length": _length, "lookup": _lookup, "contains": _contains, "merge": _merge, "concat": _concat,
    "compact": _compact, "element": _element, "tonumber": _tonumber, "tostring": _tostring, "tobool": _tobool,
    "max": _extreme(max), "min": _extreme(min), "one": _one, "flatten": _flatten, "distinct": _distinct,
    "keys": lambda mapping: _sorted_keys(_map(mapping, "keys")),
    "values": lambda mapping: [mapping[key] for key in _sorted_keys(_map(mapping, "values"))],
}
NAMES = frozenset(_FUNCTIONS) | {"try", "can", "coalesce"}


def call(function: str, arguments: list[Any]) -> Any:
    """The value of `function(arguments)`; a `Failed` argument is one that failed, which only try and can accept."""
    if function == "try":
        for argument in arguments:
            if not isinstance(argument, Failed):
                return argument  # an unknown first argument may fail or not: the result is that unknown
        return fail("every try() argument failed")
    if function == "can":
        if len(arguments) != 1:
            return fail("can() takes one argument")
        if isinstance(arguments[0], Failed):
            return False
        unknown = unknown_in(arguments[0])
        return plain(unknown) if unknown is not None else True
    failed = next((argument for argument in arguments if isinstance(argument, Failed)), None)
    if failed is not None:
        raise failed
    if function == "coalesce":
        for argument in arguments:
            if isinstance(argument, Unknown):
                return plain(argument)
            if argument is not None and argument != "":
                return argument
        return fail("coalesce() has no non-null, non-empty argument")
    handler = _FUNCTIONS.get(function)
    if handler is None:
        return Unknown(f"computed by {function}(), which rollproof does not evaluate")
    for argument in arguments:
        if isinstance(argument, Unknown):
            return plain(argument)
    try:
        return handler(*arguments)
    except TypeError:  # too many or too few arguments
        return fail(f"{function}() called with {len(arguments)} arguments")
