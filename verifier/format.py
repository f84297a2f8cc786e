"""Small formatting helpers shared by the reports and the messages."""

from __future__ import annotations

from collections.abc import Iterable


def duration(seconds: int | None) -> str:
    """`1350 s (22 min 30 s)`: exact seconds first, minutes for the reader."""
    if seconds is None:
        return "never"
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{seconds} s"
    return f"{seconds} s ({minutes} min{f' {rest} s' if rest else ''})"


def pair_trace(pairs: Iterable[tuple[int, int]]) -> str:
    return " ".join(f"({old},{new})" for old, new in pairs)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 step`, `3 steps`, `1,000 tasks`: the count with the noun it agrees with."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"
