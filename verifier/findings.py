"""What a check concludes: a status per property, and the verdict over all of them."""

from __future__ import annotations

from dataclasses import dataclass

from verifier.counterexample import Counterexample
from verifier.results import PropertyId, Status, Verdict, verdict_of_statuses


@dataclass(frozen=True, slots=True)
class Finding:
    property_id: PropertyId
    status: Status
    message: str
    counterexample: Counterexample | None = None
    details: tuple[str, ...] = ()   # extra plain-language lines (why a state is stuck, advice)


def verdict_of(findings: tuple[Finding, ...]) -> Verdict:
    """Violated if any property is (its counterexample is real); else inconclusive if any is unknown."""
    return verdict_of_statuses(finding.status for finding in findings)
