"""The values static Terraform evaluation works with: Python values, and `Unknown` for what only `apply` knows.

An `Unknown` says why it is unknown. Where it stands for a resource, data source or
module (`aws_ecs_cluster.main.id`), it also carries that address and, where the
block writes it literally, the name the resource is created with: a service's
cluster is then matched by either, though its ARN is known only after `apply`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn


@dataclass(frozen=True, slots=True)
class Unknown:
    why: str
    ref: str | None = None   # the Terraform address the value belongs to, where it is one's attribute
    name: str | None = None  # that resource's name as its block writes it, where it does


class Failed(Exception):
    """An expression Terraform would refuse (a missing attribute): `try` moves on, elsewhere it is unknown."""


def plain(value: Unknown) -> Unknown:
    """An unknown computed from another: it no longer stands for the resource the other came from."""
    return Unknown(value.why)


def unknown_in(value: Any, depth: int = 0) -> Unknown | None:
    """The first unknown anywhere inside a value: a list holding one is not fully known either."""
    if isinstance(value, Unknown):
        return value
    if depth > 100:
        return Unknown("nested too deeply to evaluate")
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    for item in items:
        found = unknown_in(item, depth + 1)
        if found is not None:
            return found
    return None


def fail(message: str) -> NoReturn:
    raise Failed(message)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any) -> Any:
    """A quoted whole number as the number Terraform converts it to; anything else unchanged."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value)
    return value


def text_of(value: Any) -> str:
    """A primitive value as Terraform writes it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    return fail("a value used as text must be a string, number or bool")
