"""What every property needs to answer for a range of desired counts: scan, show, prove, repair.

For each property, the closed forms of `closed_forms` flag candidate counts in
one quick pass. Each flagged count is then shown with a counterexample that is
replayed through the semantics, and Z3 proves, over the desired count as a
symbolic integer and with the inductive invariant, that no other count in the
range fails. If Z3 finds a count the scan missed, that count is checked on its
own and added; the answer never rests on the closed forms alone. Each property
module's `check_range` supplies its own flag, witness and bad states.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import z3

from verifier.counterexample import Counterexample
from verifier.model.records import Model, TaskCount
from verifier.properties.count_spans import Span, flagged_spans, merged
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.rounding import rounded_percent_facts
from verifier.semantics import Action, Bounds, State, bounds_of, initial_state
from verifier.smt.encoding import over_desired, state_vars, step
from verifier.smt.invariants import holds
from verifier.smt.solver import Query, SolverUnknown, value

MAX_REPAIRS = 20            # counts Z3 may add to a scan before the property is left unknown
WITNESS_BUDGET = 2_000      # counts shown one by one where the closed form only proposes candidates
LISTED_OCCURRENCES = 1_000  # runs of a periodic span that `failing_desired` writes out


@dataclass(frozen=True, slots=True)
class FailingInterval:
    low: int
    high: int
    example: int                      # the desired count its counterexample is for
    counterexample: Counterexample
    why: tuple[str, ...] = ()         # plain words on the example (for progress: what blocks it)
    period: int = 1                   # with a period: only counts whose (count - low) % period < width
    width: int = 1

    @property
    def span(self) -> Span:
        return Span(self.low, self.high, self.period, self.width)


@dataclass(frozen=True, slots=True)
class RangeFinding:
    property_id: str
    status: Status
    message: str
    failing: tuple[FailingInterval, ...] = ()
    unknown: tuple[tuple[int, int], ...] = ()
    details: tuple[str, ...] = ()

    def failing_desired(self) -> list[list[int]]:
        """Inclusive [low, high] runs; a periodic span gives its first LISTED_OCCURRENCES runs."""
        runs: list[list[int]] = []
        for interval in self.failing:
            span = interval.span
            if span.whole:
                runs.append([span.low, span.high])
                continue
            start = span.low
            for _ in range(LISTED_OCCURRENCES):
                if start > span.high:
                    break
                runs.append([start, min(span.high, start + span.width - 1)])
                start += span.period
        return runs


def intervals(counts: list[int]) -> list[tuple[int, int]]:
    """Sorted, merged, inclusive intervals of the given counts (as (low, high) pairs)."""
    return [(span.low, span.high) for span in merged(counts)]


def describe_counts(spans: Iterable[tuple[int, int] | Span]) -> str:
    return ", ".join(s.describe() if isinstance(s, Span) else f"{{{s[0]}}}" if s[0] == s[1] else f"{s[0]}..{s[1]}"
                     for s in spans)


class RangeScan:
    """One model over desired counts low..high, with the desired count also as a Z3 integer.

    `open_ended`: every count from low up. `high` is then `count_spans.horizon`,
    past which every closed form's flags repeat with period 100, so a flagged
    span that reaches `high` goes on for ever (a tail); Z3 works with D >= low
    and no upper end, so a proof covers every count.
    """

    def __init__(self, model: Model, low: int, high: int, timeout_ms: int, open_ended: bool = False):
        self.model, self.low, self.high, self.timeout_ms = model, low, high, timeout_ms
        self.open_ended = open_ended
        self.desired = z3.Int("D")
        capacity = None
        if model.capacity_headroom is not None:
            capacity = self.desired + model.capacity_headroom
        self.symbolic = over_desired(model.settings, self.desired, capacity)
        self.in_range = self.desired >= low if open_ended else z3.And(self.desired >= low, self.desired <= high)
        try:
            self.inductive = self._inductive()
        except SolverUnknown:
            self.inductive = False

    def tail(self, span: Span) -> bool:
        """Whether `span` goes on past `high` (only in an open-ended scan)."""
        return self.open_ended and span.low <= self.high <= span.high

    def where(self) -> str:
        return f"from {self.low} up" if self.open_ended else f"in {self.low}..{self.high}"

    def counts(self) -> range:
        return range(self.low, self.high + 1)

    def bounds(self, desired: int) -> Bounds:
        return bounds_of(self.model.at(desired).settings)

    def not_inductive(self, property_id: PropertyId) -> RangeFinding:
        return RangeFinding(property_id, Status.UNKNOWN, "the invariant could not be proved inductive")

    def requirement(self, count: TaskCount | None, default: Any, round_up: bool) -> tuple[Any, tuple[Any, ...]]:
        """The requirement as a term in the symbolic desired count, with its rounding facts."""
        if count is None:
            return default, ()
        if not count.percent:
            return count.value, ()
        term = z3.Int(f"req{id(count)}")
        return term, rounded_percent_facts(term, self.desired, count.value, round_up)

    def _inductive(self) -> bool:
        now, then = state_vars("rn"), state_vars("rt")
        answer = Query(self.timeout_ms).add(*self.symbolic.facts, self.in_range, holds(self.symbolic, now),
                                            step(self.symbolic, now, then),
                                            z3.Not(holds(self.symbolic, then))).check()
        return not answer.sat

    def bad_at_start_throughout(self, span: Span, bad: Callable[[State], object], facts: Iterable[Any]) -> bool:
        """Whether Z3 proves the initial state bad for every count of `span` (so each fails at once)."""
        d = self.desired
        inside = [d >= span.low] if self.tail(span) else [d >= span.low, d <= span.high]
        if not span.whole:
            inside.append((d - span.low) % span.period < span.width)
        start = initial_state(self.symbolic.bounds)
        return not Query(self.timeout_ms).add(*self.symbolic.facts, *facts, *inside, z3.Not(bad(start))).check().sat

    def other_failure(self, bad: Callable[[State], object], facts: Iterable[Any], excluded: list[Span]) -> int | None:
        """A desired count outside `excluded` where an invariant state is bad, or None (a proof)."""
        x = state_vars("rx")
        query = Query(self.timeout_ms).add(*self.symbolic.facts, *facts, self.in_range,
                                           holds(self.symbolic, x), bad(x))
        d = self.desired
        for span in excluded:
            outside = [d < span.low] if self.tail(span) else [d < span.low, d > span.high]
            if not span.whole:
                outside.append((d - span.low) % span.period >= span.width)
            query.add(z3.Or(*outside))
        answer = query.check()
        return value(answer.model, self.desired) if answer.sat else None


def scan_and_prove(scan: RangeScan, property_id: PropertyId, flagged: Callable[[Bounds], bool],
                   witness: Callable[[int], Counterexample | None], bad: Callable[[State], object],
                   facts: Iterable[Any], what: str,
                   explain: Callable[[int, Counterexample], tuple[str, ...]] | None = None,
                   exact: bool = True) -> RangeFinding:
    """Scan, show the flagged counts, then prove the rest; repair the scan from Z3's witnesses.

    With `exact`, the closed form is the property itself and the witness has one
    shape for every count, so each span is shown at its first count. Otherwise
    the flags are candidates and each count is shown on its own, up to
    WITNESS_BUDGET of them; a larger span is settled only where its first count
    is bad at the very start and Z3 proves the start bad for all of its counts,
    and is left unknown otherwise.
    """
    failing: list[tuple[Span, Counterexample]] = []
    unknown: list[Span] = []
    budget = WITNESS_BUDGET
    for span in flagged_spans(scan.model, scan.low, scan.high, flagged):
        if exact:
            trace = witness(span.low)
            (unknown.append(span) if trace is None else failing.append((span, trace)))
            continue
        if span.size() > budget or scan.tail(span):
            first = witness(span.low)
            try:
                throughout = first is not None and len(first.actions) == 0 and \
                    scan.bad_at_start_throughout(span, bad, facts)
            except SolverUnknown:
                throughout = False
            if first is not None and throughout:  # stuck at the start, at every count of the span
                failing.append((span, first))
                continue
            if not span.whole or budget == 0 or scan.tail(span):
                unknown.append(span)
                continue
            # Show the counts at its low end that the budget still allows; the rest stays unknown.
            unknown.append(Span(span.low + budget, span.high))
            span = Span(span.low, span.low + budget - 1)
        budget -= span.size()
        shown: dict[int, Counterexample] = {}
        for desired in span:
            trace = witness(desired)
            if trace is None:
                unknown.append(Span(desired, desired))
            else:
                shown[desired] = trace
        failing += [(s, shown[s.low]) for s in merged(list(shown))]
    try:
        for _ in range(MAX_REPAIRS):
            missed = scan.other_failure(bad, facts, [s for s, _ in failing] + unknown)
            if missed is None:
                break
            trace = witness(missed)
            (unknown.append(Span(missed, missed)) if trace is None else failing.append((Span(missed, missed), trace)))
        else:
            return RangeFinding(property_id, Status.UNKNOWN, f"more than {MAX_REPAIRS} counts could not be settled",
                                unknown=tuple((s.low, s.high) for s in unknown))
    except SolverUnknown as reason:
        return RangeFinding(property_id, Status.UNKNOWN, f"the solver gave no answer ({reason})")
    failing.sort(key=lambda pair: (pair[0].low, pair[0].high))
    unknown.sort(key=lambda s: (s.low, s.high))
    spans = [FailingInterval(s.low, s.high, s.low, trace, explain(s.low, trace) if explain else (), s.period, s.width)
             for s, trace in _joined(failing)]
    unknown_spans = tuple((s.low, s.high) for s in unknown)
    details: tuple[str, ...] = () if not unknown else (f"not settled for desiredCount in {describe_counts(unknown)}: "
                                      f"each is shown on its own and at most {WITNESS_BUDGET:,} are; "
                                      "check a narrower desiredRange",)
    if scan.open_ended and spans:
        details += (f"failing counts are listed up to {scan.high:,}; past it the closed forms repeat every "
                    "100 counts",)
    if spans:
        message = f"{what} for desiredCount in {describe_counts(s.span for s in spans)}"
        if any(scan.tail(s.span) for s in spans):
            message += f" and on past {scan.high:,}"
        return RangeFinding(property_id, Status.VIOLATED, message, tuple(spans), unknown_spans, details)
    if unknown_spans:
        return RangeFinding(property_id, Status.UNKNOWN, f"not settled for desiredCount in "
                            f"{describe_counts(unknown)}", unknown=unknown_spans, details=details)
    return RangeFinding(property_id, Status.HOLDS, f"holds for every desiredCount {scan.where()} "
                        "(proved by Z3 over the symbolic desired count)")


def _joined(failing: list[tuple[Span, Counterexample]]) -> list[tuple[Span, Counterexample]]:
    """Whole spans that touch (a repaired count next to a scanned span) as one, shown at its first count."""
    joined: list[tuple[Span, Counterexample]] = []
    for span, trace in failing:
        if joined and span.whole and joined[-1][0].whole and span.low <= joined[-1][0].high + 1:
            before, shown = joined[-1]
            joined[-1] = (Span(before.low, max(before.high, span.high)), shown)
        else:
            joined.append((span, trace))
    return joined


def replayed_actions(bounds: Bounds, actions: list[Action], bad: Callable[[State], bool], what: str) -> Counterexample:
    """The trace of `actions` from the initial state, replayed to end in a `bad` state."""
    states = [initial_state(bounds)]
    for action in actions:
        states.append(cast(State, action.apply(bounds, states[-1])))  # a disabled action (None) fails the replay
    return replay(bounds, Counterexample(tuple(states), tuple(actions)), bad, what)
