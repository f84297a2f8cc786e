"""Terraform's type conversion of a variable's value, for what decides a service: optional attributes' defaults.

A variable typed `map(object({ desired_count = optional(number, 1), launch_type =
optional(string) }))` gives every entry the attributes the caller leaves out:
the default where `optional` has one, null where it has none. Without this a
caller that omits an attribute would read as a Terraform error.
"""

from __future__ import annotations

from typing import Any

from verifier.ingest.hcl_expr import Unknown, evaluate

_COLLECTIONS = ("map", "list", "set")


def _split(text: str) -> list[str]:
    """`a, b(c, d), e` -> its top-level comma-separated parts."""
    parts, depth, start, quoted = [], 0, 0, False
    for position, char in enumerate(text):
        if char == '"' and (position == 0 or text[position - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _call(text: str) -> tuple[str, str] | None:
    """`name(inner)` -> (name, inner), when the whole text is one call."""
    opening = text.find("(")
    if opening <= 0 or not text.endswith(")"):
        return None
    return text[:opening].strip(), text[opening + 1:-1].strip()


def _attributes(text: str) -> dict[str, str] | None:
    """`{a = T, b = U}` -> {a: T, b: U}."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    found: dict[str, str] = {}
    for part in _split(text[1:-1]):
        name, _, kind = part.partition("=")
        found[name.strip().strip('"')] = kind.strip()
    return found


def _nothing(root: str, attribute: str) -> Unknown:
    return Unknown(f"{root}.{attribute} in a type's default")


def convert(type_text: Any, value: Any) -> Any:
    """`value` with the optional attributes its type gives it; the value unchanged where the type is not read."""
    if not isinstance(type_text, str) or isinstance(value, Unknown) or value is None:
        return value
    text = type_text[2:-1] if type_text.startswith("${") and type_text.endswith("}") else type_text
    try:
        return _convert(text.strip(), value, 0)
    except RecursionError:
        return value


def _convert(text: str, value: Any, depth: int) -> Any:
    call = _call(text)
    if call is None or depth > 50 or value is None or isinstance(value, Unknown):
        return value
    name, inner = call
    if name == "optional":
        return _convert(_split(inner)[0], value, depth + 1) if _split(inner) else value
    if name in _COLLECTIONS:
        if isinstance(value, dict):
            return {key: _convert(inner, item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [_convert(inner, item, depth + 1) for item in value]
        return value
    if name == "object" and isinstance(value, dict):
        attributes = _attributes(inner)
        if attributes is None:
            return value
        converted = dict(value)
        for attribute, kind in attributes.items():
            optional = _call(kind)
            if attribute in converted and converted[attribute] is not None:
                converted[attribute] = _convert(kind, converted[attribute], depth + 1)
            elif optional is not None and optional[0] == "optional":
                parts = _split(optional[1])
                default = evaluate("${" + parts[1] + "}", _nothing) if len(parts) > 1 else None
                converted[attribute] = _convert(parts[0], default, depth + 1) if parts else default
        return converted
    return value
