"""The vocabulary every layer shares: property ids, statuses, verdicts and the exit codes they map to.

Enums of `str` so that they compare equal to, and serialise as, the plain names
the JSON contract fixes ("holds", "violated", ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, IntEnum


class PropertyId(str, Enum):
    """What rollproof checks, in report order."""

    AVAILABILITY = "availability"
    SURGE = "surge"
    CAPACITY = "capacity"
    PROGRESS = "progress"
    DEADLINE = "deadline"
    STEPS = "steps"
    PLAN = "plan"
    ROLLBACK = "rollback"

    def __str__(self) -> str:
        return self.value


PROPERTY_IDS: tuple[str, ...] = tuple(prop.value for prop in PropertyId)


class Status(str, Enum):
    """One property's answer."""

    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Engine(str, Enum):
    """How one desired count is checked: `auto` picks explicit search where the states surely fit."""

    AUTO = "auto"
    EXPLICIT = "explicit"
    SMT = "smt"

    def __str__(self) -> str:
        return self.value


class DiffVerdict(str, Enum):
    """What a change of one service's settings does to it (`rollproof diff`)."""

    SAFER = "safer"            # some figure better, none worse
    LESS_SAFE = "less safe"    # some figure worse, none better
    MIXED = "mixed"
    UNCHANGED = "unchanged"
    ADDED = "added"            # only in the new version
    REMOVED = "removed"        # only in the old version
    NOT_ANALYSED = "not analysed"

    def __str__(self) -> str:
        return self.value


class ExitCode(IntEnum):
    """What every command exits with; a pipeline reads these and nothing else."""

    HOLDS = 0
    VIOLATED = 1
    BAD_INPUT = 2
    INCONCLUSIVE = 3
    INTERNAL_ERROR = 4


class Verdict(str, Enum):
    """The conclusion over several properties (or services), ordered by severity."""

    PROVED = "proved"
    INCONCLUSIVE = "inconclusive"
    VIOLATED = "violated"

    def __str__(self) -> str:
        return self.value

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def exit_code(self) -> ExitCode:
        return _EXIT_CODES[self]


# Violated outranks inconclusive: a replayed counterexample is a definite answer
# even where another property could not be decided.
_SEVERITY = {Verdict.PROVED: 0, Verdict.INCONCLUSIVE: 1, Verdict.VIOLATED: 2}
_EXIT_CODES = {Verdict.PROVED: ExitCode.HOLDS, Verdict.VIOLATED: ExitCode.VIOLATED,
               Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE}
_VERDICT_OF_STATUS = {Status.HOLDS: Verdict.PROVED, Status.VIOLATED: Verdict.VIOLATED,
                      Status.UNKNOWN: Verdict.INCONCLUSIVE}


def worst_of(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe verdict; proved when there is none (nothing to check holds)."""
    return max(verdicts, key=lambda verdict: verdict.severity, default=Verdict.PROVED)


def verdict_of_statuses(statuses: Iterable[Status]) -> Verdict:
    """Violated if any property is (its counterexample is real); else inconclusive if any is unknown."""
    return worst_of(_VERDICT_OF_STATUS[status] for status in statuses)
