"""What a check concludes: a status per property, and the verdict over all of them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .counterexample import Counterexample


class Status(str, Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


class Verdict(str, Enum):
    PROVED = "proved"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"

    @property
    def exit_code(self) -> int:
        return {Verdict.PROVED: 0, Verdict.VIOLATED: 1, Verdict.INCONCLUSIVE: 3}[self]


@dataclass(frozen=True, slots=True)
class Finding:
    property_id: str
    status: Status
    message: str
    counterexample: Counterexample | None = None
    details: tuple[str, ...] = ()   # extra plain-language lines (why a state is stuck, advice)

    def to_json(self) -> dict:
        result = {
            "id": self.property_id,
            "status": self.status.value,
            "message": self.message,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
        }
        if self.details:
            result["details"] = list(self.details)
        return result


def verdict_of(findings: tuple[Finding, ...]) -> Verdict:
    """Violated if any property is (its counterexample is real); else inconclusive if any is unknown."""
    statuses = {finding.status for finding in findings}
    if Status.VIOLATED in statuses:
        return Verdict.VIOLATED
    if Status.UNKNOWN in statuses:
        return Verdict.INCONCLUSIVE
    return Verdict.PROVED
