"""Reading one value of a YAML document: checked, with its line in every error, never coerced.

Shared by model files and the gate's policy file, so both refuse the same things
in the same words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from verifier.model.records import TaskCount
from verifier.model.yamlsource import DocPath, Document

_PERCENT = re.compile(r"^\s*([0-9]+)\s*%\s*$")
# Text that YAML 1.1 would have read as a number (0x10, 0o17, 010, 1_000, 1:30): said so, since it looks like one.
_NUMBER_LIKE = re.compile(r"^[-+]?[0-9][0-9a-fA-FxXoObB_:.]*$")


def range_of(doc: Document, path: DocPath, value: Any) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise doc.error(path, f"desiredRange={value!r} must be [lowest, highest], such as [1, 5000]")
    low, high = (count(doc, path + (i,), v) for i, v in enumerate(value))
    if low > high:
        raise doc.error(path, f"desiredRange=[{low}, {high}] is empty: the lowest count comes first")
    return low, high


def mapping(doc: Document, path: DocPath, allowed: set[str], optional: bool = False) -> dict[str, Any]:
    value = doc.data
    for key in path:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            value = None
    if value is None and optional:
        return {}
    where = ".".join(map(str, path)) or "the document"
    if not isinstance(value, dict):
        shown = "empty" if value is None else type(value).__name__
        raise doc.error(path, f"{where} must be a mapping of keys to values, not {shown}")
    for key in value:
        if key not in allowed:
            place = f"in {where}" if path else "at the top level"
            raise doc.error(path + (key,), f"unknown key '{key}' {place}{suggest(key, allowed)}; "
                            f"allowed: {', '.join(sorted(allowed))}")
    return value


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def count(doc: Document, path: DocPath, value: Any) -> int:
    """A non-negative whole number; bools, floats and strings are refused, not coerced."""
    name = str(path[-1])
    if isinstance(value, bool) or not isinstance(value, int):
        hint = " (a whole number, no decimals)" if isinstance(value, float) else ""
        if isinstance(value, str) and _NUMBER_LIKE.match(value):
            hint = " written in plain decimal digits (hex, octal, base-60 and '_' forms are not read as numbers)"
        raise doc.error(path, f"{name}={value!r} must be a whole number{hint}")
    if value < 0:
        raise doc.error(path, f"{name}={value} must not be negative")
    return value


def task_count(doc: Document, path: DocPath, value: Any) -> TaskCount:
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if not match:
            raise doc.error(path, f"{path[-1]}={value!r} must be a number of tasks or a percentage such as \"67%\"")
        return TaskCount(int(match.group(1)), percent=True)
    return TaskCount(count(doc, path, value))


def text(doc: Document, path: DocPath, value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise doc.error(path, f"{path[-1]} must be text, got {value!r}")
    return str(value)


def flag(doc: Document, path: DocPath, value: Any) -> bool:
    """true or false; YAML's yes/no/on/off are already read as text by our loader and refused here."""
    if not isinstance(value, bool):
        raise doc.error(path, f"{path[-1]}={value!r} must be true or false")
    return value


def choice(doc: Document, path: DocPath, value: Any, choices: tuple[str, ...]) -> str:
    """One of `choices`, spelled exactly."""
    if not isinstance(value, str) or value not in choices:
        hint = suggest(value, choices) if isinstance(value, str) else ""
        raise doc.error(path, f"{path[-1]}={value!r} must be one of {', '.join(choices)}{hint}")
    return value
