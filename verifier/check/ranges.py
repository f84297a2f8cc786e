"""Verify a model for every desired count in a range: autoscaling moves desiredCount all day.

Each property answers for the range itself (its module's `check_range`, built
on `properties.range_scan`: a scan by closed forms, replayed counterexamples,
and a Z3 proof over the symbolic desired count for the rest). This module
only sets up the scan, asks the properties, and folds their answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.model.records import Model
from verifier.properties import RANGE_PROPERTIES
from verifier.properties.count_spans import horizon
from verifier.properties.count_spans import sampled_counts as sampled_counts  # for diff: a range's extremes
from verifier.properties.fault_checks import FAULT_CHECKS
from verifier.properties.range_scan import FailingInterval as FailingInterval  # these five re-exported for reports
from verifier.properties.range_scan import RangeFinding as RangeFinding
from verifier.properties.range_scan import RangeScan as RangeScan
from verifier.properties.range_scan import describe_counts as describe_counts
from verifier.properties.range_scan import intervals as intervals
from verifier.results import Engine, PropertyId, Status, Verdict, verdict_of_statuses
from verifier.smt.encoding import state_vars
from verifier.smt.invariants import invariant


@dataclass(frozen=True, slots=True)
class RangeResult:
    model: Model
    low: int
    high: int
    verdict: Verdict
    findings: tuple[RangeFinding, ...]
    invariants: tuple[str, ...]
    seconds: float
    engine: Engine = Engine.SMT
    open_ended: bool = False     # every count from `low` up; `high` is only where listing stops


def verify_range(model: Model, timeout_ms: int = DEFAULT_TIMEOUT_MS,
                 progress: Callable[[str], None] | None = None) -> RangeResult:
    """`progress` receives a status line as each property's scan starts (a terminal shows it)."""
    assert model.desired_range is not None, "verify_range needs a model with a desiredRange"
    return _verify(model, *model.desired_range, timeout_ms, open_ended=False, progress=progress)


def verify_every_count_from(model: Model, low: int, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> RangeResult:
    """The model for every desired count from `low` up, with no upper end (for a count not known).

    Holds only where Z3 proves it over D >= low (and ECS's run is settled on
    every piece, for a deadline); failing counts are listed up to the result's
    `high`, past which the closed forms repeat every 100 counts.
    """
    return _verify(model, low, horizon(model, low), timeout_ms, open_ended=True)


def _verify(model: Model, low: int, high: int, timeout_ms: int, open_ended: bool,
            progress: Callable[[str], None] | None = None) -> RangeResult:
    started = time.perf_counter()
    model = replace(model, desired_range=(low, high), settings=model.at(low).settings) \
        if model.desired_range != (low, high) else model
    scan = RangeScan(model, low, high, timeout_ms, open_ended)
    written = tuple(c.text for c in invariant(scan.symbolic, state_vars("shown")))
    applying = [prop for prop in RANGE_PROPERTIES if prop.applies(model)]
    say = progress or (lambda line: None)
    findings = []
    for number, prop in enumerate(applying, 1):
        say(f"{model.name}: desiredCount {low}..{high}: [{number}/{len(applying)}] {prop.ID}")
        findings.append(_bad_release_unchecked(model, prop.ID, low, high) or prop.check_range(scan))
    verdict = verdict_of_statuses(f.status for f in findings)
    return RangeResult(model, low, high, verdict, tuple(findings), written, time.perf_counter() - started,
                       open_ended=open_ended)


def _bad_release_unchecked(model: Model, property_id: str, low: int, high: int) -> RangeFinding | None:
    """Over a range the count model's answers say nothing of a bad release: unknown, never a guess."""
    if not model.faults.any or PropertyId(property_id) not in FAULT_CHECKS:
        return None
    return RangeFinding(property_id, Status.UNKNOWN, "not checked for the bad release over a range of desired "
                        "counts", unknown=((low, high),),
                        details=("check one desiredCount at a time: the explicit engine searches every state "
                                 "of a bad release at one count",))
