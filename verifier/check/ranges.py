"""Verify a model for every desired count in a range: autoscaling moves desiredCount all day.

Each property answers for the range itself (its module's `check_range`, built
on `properties.range_scan`: a scan by closed forms, replayed counterexamples,
and a Z3 proof over the symbolic desired count for the rest). This module
only sets up the scan, asks the properties, and folds their answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.model.records import Model
from verifier.properties import RANGE_PROPERTIES
from verifier.properties.count_spans import sampled_counts as sampled_counts  # for diff: a range's extremes
from verifier.properties.range_scan import FailingInterval as FailingInterval  # these five re-exported for reports
from verifier.properties.range_scan import RangeFinding as RangeFinding
from verifier.properties.range_scan import RangeScan as RangeScan
from verifier.properties.range_scan import describe_counts as describe_counts
from verifier.properties.range_scan import intervals as intervals
from verifier.results import Engine, Verdict, verdict_of_statuses
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


def verify_range(model: Model, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> RangeResult:
    started = time.perf_counter()
    assert model.desired_range is not None, "verify_range needs a model with a desiredRange"
    low, high = model.desired_range
    scan = RangeScan(model, low, high, timeout_ms)
    written = tuple(c.text for c in invariant(scan.symbolic, state_vars("shown")))
    findings = tuple(prop.check_range(scan) for prop in RANGE_PROPERTIES if prop.applies(model))
    verdict = verdict_of_statuses(f.status for f in findings)
    return RangeResult(model, low, high, verdict, findings, written, time.perf_counter() - started)
