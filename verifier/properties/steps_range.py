"""maxSteps over a range of desired counts: pieces of the closed form, a Z3 proof, replayed plans.

`step_counts.over_limit` says, for one count, whether every step plan needs more
than maxSteps steps, as a few comparisons between D, L = ceil(D*m/100) and
M = min(U, C). On the counts D = 100*t + r of one residue r, L, U and C (a
fixed number or D + headroom) are affine in t, so each comparison is affine in
t and changes sign once. Cutting each residue's counts where any of them may
change sign gives pieces on which the answer is the same for every count; one
count tells each piece. The flagged counts are then spans of period 100.

The scan is arithmetic; the answer does not rest on it: Z3, over the desired
count as a symbolic integer with the exact rounding facts, proves that no
count outside the failing spans is over the limit and none inside is under it.
Each failing span is shown at its first count with the fewest-step plan
(`certified.greedy`, long stretches repeated), replayed through the semantics,
its step count checked against the closed form; where no plan finishes, with
the plan run until no step is allowed, or the invariant that excludes the goal.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import z3

from verifier.counterexample import Counterexample
from verifier.properties.count_spans import ENUMERATE_UP_TO, PERIOD, Span, merged, union
from verifier.properties.range_scan import FailingInterval, RangeFinding, RangeScan, describe_counts
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.schedules.certified import greedy
from verifier.schedules.no_plan import no_plan_invariant
from verifier.schedules.step_counts import fewest_steps, over_limit
from verifier.semantics import LAUNCH, STOP, Action, Bounds, State, deployment_of, goal_state, initial_state
from verifier.smt.solver import Query, SolverUnknown, value

ID = PropertyId.STEPS
SHOWN_SPANS = 20         # failing spans shown, each with a replayed plan at its first count
STUCK_TRACE_STEPS = 2_000  # a plan that gets stuck is shown step by step up to this many steps

# An affine function a*t + b of t, for the counts D = 100*t + r of one residue r.
_Affine = tuple[int, int]


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _breakpoints(scan: RangeScan, residue: int, limit: int) -> set[int]:
    """Values of t around which some comparison of `over_limit` may change sign (a superset)."""
    settings, headroom = scan.model.settings, scan.model.capacity_headroom
    m, x = settings.min_healthy_percent, settings.max_percent
    d: _Affine = (PERIOD, residue)
    low: _Affine = (m, _ceil(residue * m, 100))
    high: _Affine = (x, residue * x // 100)
    if headroom is not None:
        capacities: list[_Affine] = [(PERIOD, residue + headroom)]
    elif settings.capacity is not None:
        capacities = [(0, settings.capacity)]
    else:
        capacities = []
    s = limit // 2

    def combo(*terms: tuple[int, _Affine]) -> _Affine:
        return sum(c * f[0] for c, f in terms), sum(c * f[1] for c, f in terms)

    expressions = [d, combo((1, low), (-1, d))] + [combo((1, high), (-1, c)) for c in capacities]
    for most in [high, *capacities]:   # M is one of these on each side of their crossing
        delta = combo((1, most), (-1, low))
        expressions += [
            combo((1, d), (-1, most)), delta,
            combo((1, d), (-s, most), (s, low)),
            combo((1, low), (1 - s, most), (s - 1, low)),
            combo((2, d), (-1, most), (1 - s, most), (s - 1, low)),
            combo((1, low), (-1, most), (1, d), (1 - s, most), (s - 1, low)),
        ]
    points: set[int] = set()
    for a, b in expressions:
        if a:
            root = -b // a
            points.update(range(root - 1, root + 3))
    return points


def failing_spans(scan: RangeScan, limit: int) -> list[Span]:
    """The counts of the scan where every plan needs more than `limit` steps, as spans in order.

    In an open-ended scan a residue's last piece, if failing, is written up to
    the scan's `high` (a tail); Z3 then checks that it does go on for ever.
    """
    def over(desired: int) -> bool:
        return bool(over_limit(scan.bounds(desired), limit))

    if scan.high - scan.low + 1 <= ENUMERATE_UP_TO:
        return merged([d for d in scan.counts() if over(d)])
    spans: list[Span] = []
    for residue in range(PERIOD):
        t_low, t_high = _ceil(scan.low - residue, PERIOD), (scan.high - residue) // PERIOD
        if t_low > t_high:
            continue
        cuts = sorted({t for t in _breakpoints(scan, residue, limit) if t_low < t <= t_high} | {t_low, t_high + 1})
        pieces = [(a, b - 1) for a, b in pairwise(cuts)]
        runs: list[tuple[int, int]] = []
        for a, b in pieces:
            if over(PERIOD * a + residue):
                if runs and runs[-1][1] == a - 1:
                    runs[-1] = (runs[-1][0], b)
                else:
                    runs.append((a, b))
        for a, b in runs:
            first, last = PERIOD * a + residue, PERIOD * b + residue
            if scan.open_ended and b == t_high:
                last = scan.high
            spans.append(Span(first, first) if first == last else Span(first, last, PERIOD, 1))
    return union(spans)


def _inside(scan: RangeScan, span: Span, residue: z3.ArithRef) -> Any:
    """The symbolic count is in `span`; for period 100, by its residue (`residue` is D mod 100),
    which Z3 decides far faster than one `%` per span."""
    d = scan.desired
    conditions = [d >= span.low] if scan.tail(span) else [d >= span.low, d <= span.high]
    if span.period == PERIOD:
        first = span.low % PERIOD
        conditions.append(z3.Or(*(residue == (first + i) % PERIOD for i in range(span.width))))
    elif not span.whole:
        conditions.append((d - span.low) % span.period < span.width)
    return z3.And(*conditions)


def _disagreement(scan: RangeScan, limit: int, spans: list[Span]) -> int | None:
    """A count where the spans and the closed form over the symbolic count disagree, or None (a proof).

    Raises SolverUnknown when Z3 gives no answer.
    """
    over = over_limit(scan.symbolic.bounds, limit)
    hundreds, residue = z3.Int("steps_t"), z3.Int("steps_r")
    split = (scan.desired == PERIOD * hundreds + residue, residue >= 0, residue < PERIOD)
    inside = z3.Or(*(_inside(scan, s, residue) for s in spans)) if spans else z3.BoolVal(False)
    for claim in (z3.And(over, z3.Not(inside)), z3.And(z3.Not(over), inside)):
        answer = Query(scan.timeout_ms).add(*scan.symbolic.facts, *split, scan.in_range, claim).check()
        if answer.sat:
            return value(answer.model, scan.desired)
    return None


def _stuck(bounds: Bounds, state: State) -> bool:
    """A settled state that is not the goal, from which no step is allowed."""
    return state != goal_state(bounds) and not STOP.largest_amount(bounds, state) \
        and not LAUNCH.largest_amount(bounds, state)


def _stuck_trace(bounds: Bounds) -> Counterexample | None:
    """Stops and launches as large as allowed, in turn, until none is: the plan gets stuck (None if
    it is longer than STUCK_TRACE_STEPS steps, or finishes)."""
    states: list[State] = [initial_state(bounds)]
    actions: list[Action] = []
    for _ in range(STUCK_TRACE_STEPS):
        state = states[-1]
        moves = [(t, t.largest_amount(bounds, state)) for t in (STOP, LAUNCH)]
        moves = [(t, amount) for t, amount in moves if amount and not (actions and actions[-2].name == t.name)]
        if not moves:
            return Counterexample(tuple(states), tuple(actions)) if state != goal_state(bounds) else None
        transition, amount = moves[0]
        event = "gone" if transition is STOP else "ready"
        for action in (Action(transition.name, amount), Action(event, amount)):
            following = action.apply(bounds, states[-1])
            assert following is not None, f"a step as large as allowed was refused in {states[-1]}"
            states.append(following)
            actions.append(action)
    return None


def witness(scan: RangeScan, desired: int, limit: int) -> tuple[Counterexample, tuple[str, ...]] | None:
    """The evidence at one failing count: a replayed plan and plain words; None if it does not confirm."""
    deployment = deployment_of(scan.model.at(desired).settings)
    bounds = deployment.bounds
    figures = fewest_steps(deployment)
    if figures.steps is None:
        try:
            kept = no_plan_invariant(deployment, scan.timeout_ms)
        except SolverUnknown:
            kept = None
        trace = _stuck_trace(bounds)
        if trace is not None:
            shown = replay(bounds, trace, lambda state: _stuck(bounds, state), ID, scan.timeout_ms)
            why = f"no step plan finishes at desiredCount {desired}: stopping and launching as much as " \
                  f"allowed, in turn, ends at {trace.states[-1].pair()}, where no step is allowed"
        elif kept is not None:
            shown = replay(bounds, Counterexample((initial_state(bounds),), ()), lambda s: True, ID, scan.timeout_ms)
            why = f"no step plan finishes at desiredCount {desired}"
        else:
            return None
        return shown, (why,) + ((f"every plan keeps {kept} (checked by Z3), which the goal breaks",) if kept else ())
    if figures.steps <= limit:
        return None
    plan = greedy(deployment, bool(figures.stop_first), scan.timeout_ms)
    if plan is None or plan.steps != figures.steps:
        return None
    shown = replay(bounds, plan.trace, lambda state: state == goal_state(bounds), ID, scan.timeout_ms)
    first = "a stop" if figures.stop_first else "a launch"
    return shown, (f"the fewest steps at desiredCount {desired:,} are {figures.steps:,} ({figures.stops:,} stops, "
                   f"{figures.launches:,} launches, starting with {first}), over the limit of {limit}; "
                   "this plan takes them, each step as large as allowed",)


def check_range(scan: RangeScan) -> RangeFinding:
    limit = scan.model.requirements.max_steps
    assert limit is not None  # applies() only when maxSteps is given
    spans = failing_spans(scan, limit)
    try:
        missed = _disagreement(scan, limit, spans)
    except SolverUnknown as reason:
        return RangeFinding(ID, Status.UNKNOWN, f"the solver gave no answer ({reason})",
                            unknown=((scan.low, scan.high),))
    if missed is not None:
        return RangeFinding(ID, Status.UNKNOWN, f"the pieces and the proof over the symbolic count disagree at "
                            f"desiredCount {missed}", unknown=((scan.low, scan.high),),
                            details=("check a narrower desiredRange, where each count is checked on its own",))
    failing: list[FailingInterval] = []
    unknown: list[tuple[int, int]] = []
    for span in spans[:SHOWN_SPANS]:
        shown = witness(scan, span.low, limit)
        if shown is None:
            unknown.append((span.low, span.high))
        else:
            failing.append(FailingInterval(span.low, span.high, span.low, shown[0], shown[1],
                                           span.period, span.width))
    details = [f"the fewest steps are computed in closed form for each count; {len(spans):,} failing "
               "span(s), proved exact by Z3 over the symbolic desired count"]
    if len(spans) > SHOWN_SPANS:
        details.append(f"{len(spans) - SHOWN_SPANS:,} more failing spans are not shown")
    if unknown:
        details.append("a failing span's plan could not be shown and replayed at its first count")
    if failing:
        message = (f"more than {limit} steps are needed for desiredCount in "
                   f"{describe_counts(s.span for s in failing)}, first at {failing[0].low:,}")
        if any(scan.tail(s.span) for s in failing):
            message += f", and on past {scan.high:,}"
        return RangeFinding(ID, Status.VIOLATED, message, tuple(failing), tuple(unknown), tuple(details))
    if unknown:
        return RangeFinding(ID, Status.UNKNOWN, f"not settled for desiredCount in {describe_counts(unknown)}",
                            unknown=tuple(unknown), details=tuple(details))
    return RangeFinding(ID, Status.HOLDS, f"a plan of at most {limit} steps exists for every desiredCount "
                        f"{scan.where()} (the fewest steps in closed form, proved by Z3 over the symbolic "
                        "desired count)")
